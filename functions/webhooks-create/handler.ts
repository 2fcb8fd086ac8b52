import { createWebhook } from '../../shared/webhooks/service';
import { createWebhook as contract } from '../contracts/events';
import { httpHandler } from '../lib/http';
import { webhookDeps } from '../lib/runtime';
import { webhookView } from '../../shared/views';

/** The only answer that ever carries the endpoint's signing secret. */
export const handler = httpHandler(contract, async ({ caller, body }) => {
  const webhook = await createWebhook(webhookDeps, caller, body);
  return { ...webhookView(webhook), secret: webhook.secret };
});
