import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { rateView } from '../../shared/rates/model';
import { listRates } from '../../shared/rates/service';
import { rateListQuery } from '../../shared/schemas/rates';
import { httpHandler, ok } from '../lib/http';
import { rateDeps } from '../lib/runtime';
import { pageView } from '../lib/views';

export const handler = httpHandler(
  { access: 'public', query: rateListQuery },
  async ({ query: { limit, cursor, ...filter } }) =>
    ok(pageView(await listRates(rateDeps, filter, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), rateView)),
);
