import { rateBody, rateHistoryQuery, rateListQuery, ratePairParams, rateSchema } from '../../shared/schemas/rates';
import { summaryQuery, summarySchema } from '../../shared/schemas/reports';
import { route } from '../lib/contract';
import { pageOf } from './pages';

const pairDescriptions = { base: 'The currency sold, ISO 4217.', quote: 'The currency bought, ISO 4217.' };

export const listRates = route({
  method: 'GET',
  path: '/v1/rates',
  function: 'rates-list',
  access: 'public',
  operationId: 'listRates',
  summary: 'List exchange rates',
  description:
    'Answers the rate in force of every pair, by base then quote: one `base` buys `rate` of `quote`. A pair is ' +
    'one direction only; its inverse is a rate of its own.',
  tags: ['Payments'],
  query: rateListQuery,
  queryDescriptions: { base: 'Only rates of this base currency.', quote: 'Only rates into this quote currency.' },
  success: { status: 200, description: 'The rates in force.', schema: pageOf(rateSchema) },
  errors: ['unsupported_currency'],
});

export const setRate = route({
  method: 'PUT',
  path: '/v1/admin/rates/{base}/{quote}',
  function: 'rates-put',
  access: 'admin',
  operationId: 'setRate',
  summary: 'Set an exchange rate',
  description:
    'Sets the rate of `base` in `quote` that exchanges created from now on use: a positive decimal string of at ' +
    'most 12 significant digits (`"151.37"`, `"0.0066"`), never a JSON number, and answered exactly as sent. ' +
    'Every rate set is also kept in the pair’s history; each exchange records the rate it used.',
  tags: ['Admin'],
  params: ratePairParams,
  paramDescriptions: pairDescriptions,
  body: rateBody,
  examples: { usdInYen: { rate: '151.37' } },
  success: { status: 200, description: 'The rate now in force.', schema: rateSchema },
  errors: ['unsupported_currency'],
});

export const listRateHistory = route({
  method: 'GET',
  path: '/v1/admin/rates/{base}/{quote}/history',
  function: 'rates-history',
  access: 'admin',
  operationId: 'listRateHistory',
  summary: 'List the history of a rate',
  description:
    'Lists every rate set for `base` in `quote`, newest first, including one that lost a race to a newer one: ' +
    'what an exchange created at any moment was priced at.',
  tags: ['Admin'],
  params: ratePairParams,
  paramDescriptions: pairDescriptions,
  query: rateHistoryQuery,
  success: { status: 200, description: 'The rates the pair has had.', schema: pageOf(rateSchema) },
  errors: ['unsupported_currency'],
});

export const getSummaryReport = route({
  method: 'GET',
  path: '/v1/admin/reports/summary',
  function: 'reports-summary',
  access: 'admin',
  operationId: 'getSummaryReport',
  summary: 'Summarize a period',
  description:
    'Answers, per currency the gateway has booked money in, what crossed its edge in `[from, to)`: the ' +
    'commission taken (`tech-fees`), the count and sum of bank deposits (`tech-bank`), the count and sum of ' +
    'withdrawals to e-wallets (`tech-withdrawals`), the count and sum of refunds (of transfers and withdrawals), ' +
    'and the count of exchanges with this currency on either side ' +
    'with the sums the exchange desk took in it (`sourceSum`) and paid out in it (`destinationSum`). Payments ' +
    'count when they complete. A deposit’s sum is what the bank side paid in: its amount, plus its fee when the ' +
    'deposit fee is not zero. Read from the running volumes of the technical accounts and of the refund tallies, ' +
    'never by a table scan.',
  tags: ['Admin'],
  query: summaryQuery,
  queryDescriptions: {
    from: 'Start of the period, inclusive (ISO 8601); the beginning of the books when left out.',
    to: 'End of the period, exclusive (ISO 8601); now when left out.',
  },
  success: { status: 200, description: 'The summary of the period.', schema: summarySchema },
  errors: [],
});
