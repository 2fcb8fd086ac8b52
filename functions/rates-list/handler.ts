import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { listRates } from '../../shared/rates/service';
import { listRates as contract } from '../contracts/rates';
import { httpHandler } from '../lib/http';
import { rateDeps } from '../lib/runtime';
import { pageView, rateView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ query: { limit, cursor, ...filter } }) =>
  pageView(await listRates(rateDeps, filter, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), rateView),
);
