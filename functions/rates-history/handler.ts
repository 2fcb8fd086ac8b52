import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { rateHistory } from '../../shared/rates/service';
import { listRateHistory } from '../contracts/rates';
import { httpHandler } from '../lib/http';
import { rateDeps } from '../lib/runtime';
import { pageView, rateView } from '../../shared/views';

export const handler = httpHandler(listRateHistory, async ({ params, query: { limit, cursor } }) =>
  pageView(await rateHistory(rateDeps, params, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), rateView),
);
