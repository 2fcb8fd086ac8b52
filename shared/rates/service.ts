import type { Clock } from '../clock';
import { ValidationError } from '../errors';
import type { ExchangeRate } from './model';
import type { Page, PageRequest } from '../page';
import type { RateFilter, RateStore } from './ports';

export interface RateDeps {
  rates: RateStore;
  clock: Clock;
}

/**
 * Sets the rate of a pair. Only that direction: the inverse pair is a rate of its own, since a desk quotes each
 * direction with its own spread and 1/rate is rarely a short decimal.
 */
export const setRate = async (
  deps: RateDeps,
  pair: { base: string; quote: string },
  rate: string,
): Promise<ExchangeRate> => {
  if (pair.base === pair.quote) {
    throw new ValidationError([{ path: 'quote', message: 'must differ from the base currency' }]);
  }
  const stored: ExchangeRate = { ...pair, rate, updatedAt: deps.clock().toISOString() };
  await deps.rates.put(stored);
  return stored;
};

export const listRates = (
  deps: Pick<RateDeps, 'rates'>,
  filter: RateFilter,
  page: PageRequest,
): Promise<Page<ExchangeRate>> => deps.rates.list(filter, page);

/** Every rate a pair has had, newest first: what an exchange of any day was priced at. */
export const rateHistory = (
  deps: Pick<RateDeps, 'rates'>,
  pair: { base: string; quote: string },
  page: PageRequest,
): Promise<Page<ExchangeRate>> => deps.rates.history(pair.base, pair.quote, page);
