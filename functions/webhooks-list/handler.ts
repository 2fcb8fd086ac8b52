import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { webhookView } from '../../shared/webhooks/model';
import { listWebhooks } from '../../shared/webhooks/service';
import { listWebhooks as contract } from '../contracts/events';
import { httpHandler } from '../lib/http';
import { webhookDeps } from '../lib/runtime';
import { pageView } from '../lib/views';

export const handler = httpHandler(contract, async ({ caller, query }) =>
  pageView(await listWebhooks(webhookDeps, caller, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }), webhookView),
);
