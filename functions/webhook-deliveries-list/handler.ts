import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { listDeliveries } from '../../shared/webhooks/service';
import { listDeliveries as contract } from '../contracts/events';
import { httpHandler } from '../lib/http';
import { webhookDeps } from '../lib/runtime';
import { deliveryView, pageView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, params, query }) =>
  pageView(
    await listDeliveries(webhookDeps, caller, params.id, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }),
    deliveryView,
  ),
);
