import * as z from 'zod/mini';
import { handleDeliveryMessage } from '../../shared/webhooks/service';
import { logger } from '../lib/logger';
import { deliverDeps } from '../lib/runtime';
import { RETRY_LATER, sqsBatchHandler } from '../lib/sqs';

const id = z.string().check(z.minLength(1), z.maxLength(128));
const message = z.object({ webhookId: id, deliveryId: id, paymentId: id, eventId: id });

/**
 * One attempt per message. A message whose next attempt is due later stays in the queue, held back until then; the
 * events of one payment to one endpoint go in order, everything else of the batch at once.
 */
export const handler = sqsBatchHandler(
  message,
  async (body, record) => {
    const outcome = await handleDeliveryMessage(deliverDeps, body, record.receiptHandle);
    logger.info('Webhook attempt', { ...body, ...outcome });
    return outcome.result === 'retry' ? RETRY_LATER : undefined;
  },
  { sequence: { keyOf: (body) => `${body.webhookId}#${body.paymentId}`, orderOf: (body) => body.eventId } },
);
