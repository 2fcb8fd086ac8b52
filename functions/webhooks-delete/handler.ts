import { deleteWebhook } from '../../shared/webhooks/service';
import { deleteWebhook as contract } from '../contracts/events';
import { httpHandler } from '../lib/http';
import { webhookDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ caller, params }) => {
  await deleteWebhook(webhookDeps, caller, params.id);
});
