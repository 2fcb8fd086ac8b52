import type { Page, PageRequest } from '../page';
import type { ExchangeRate } from './model';

export interface RateFilter {
  base?: string | undefined;
  quote?: string | undefined;
}

export interface RateStore {
  /** The rate in force for the pair, read strongly consistent: an exchange is priced at the latest one. */
  find(base: string, quote: string): Promise<ExchangeRate | undefined>;
  /** The rates in force, by base then quote. */
  list(filter: RateFilter, page: PageRequest): Promise<Page<ExchangeRate>>;
  /** Every rate the pair has had, newest first. */
  history(base: string, quote: string, page: PageRequest): Promise<Page<ExchangeRate>>;
  /** Puts the rate in force and appends it to the pair's history, in one transaction. */
  put(rate: ExchangeRate): Promise<void>;
}
