import * as z from 'zod/mini';
import { processAndPush } from '../../shared/payments/process';
import { logger } from '../lib/logger';
import { processorDeps } from '../lib/runtime';
import { sqsWholeBatchHandler } from '../lib/sqs';

const message = z.object({ paymentId: z.string().check(z.minLength(1), z.maxLength(128)) });

export const handler = sqsWholeBatchHandler(message, async (messages) => {
  const { settled, pushes } = await processAndPush(
    processorDeps,
    messages.map(({ body }) => body.paymentId),
  );
  if ('error' in pushes) logger.error('Pushing failed; the notifier will push', { error: pushes.error as Error });
  const failures = new Map<string, unknown>();
  for (const { record, body } of messages) {
    const settlement = settled.get(body.paymentId);
    if (settlement?.ok) logger.info('Payment processed', { paymentId: body.paymentId, outcome: settlement.outcome });
    else if (settlement) failures.set(record.messageId, settlement.error);
  }
  return failures;
});
