import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { listWebhooks } from '../../shared/webhooks/service';
import { listWebhooks as contract } from '../contracts/events';
import { httpHandler } from '../lib/http';
import { webhookDeps } from '../lib/runtime';
import { pageView, webhookView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, query }) =>
  pageView(await listWebhooks(webhookDeps, caller, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }), webhookView),
);
