import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { rateView } from '../../shared/rates/model';
import { rateHistory } from '../../shared/rates/service';
import { rateHistoryQuery, ratePairParams } from '../../shared/schemas/rates';
import { httpHandler, ok } from '../lib/http';
import { rateDeps } from '../lib/runtime';
import { pageView } from '../lib/views';

export const handler = httpHandler(
  { access: 'admin', params: ratePairParams, query: rateHistoryQuery },
  async ({ params, query: { limit, cursor } }) =>
    ok(pageView(await rateHistory(rateDeps, params, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), rateView)),
);
