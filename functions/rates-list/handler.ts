import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { rateView } from '../../shared/rates/model';
import { listRates } from '../../shared/rates/service';
import { listRates as contract } from '../contracts/rates';
import { httpHandler } from '../lib/http';
import { rateDeps } from '../lib/runtime';
import { pageView } from '../lib/views';

export const handler = httpHandler(contract, async ({ query: { limit, cursor, ...filter } }) =>
  pageView(await listRates(rateDeps, filter, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), rateView),
);
