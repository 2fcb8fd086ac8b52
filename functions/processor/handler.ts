import * as z from 'zod/mini';
import { processPayment } from '../../shared/payments/process';
import { logger } from '../lib/logger';
import { paymentDeps } from '../lib/runtime';
import { sqsBatchHandler } from '../lib/sqs';

const message = z.object({ paymentId: z.string().check(z.minLength(1), z.maxLength(128)) });

export const handler = sqsBatchHandler(message, async ({ paymentId }) => {
  const outcome = await processPayment(paymentDeps, paymentId);
  logger.info('Payment processed', { paymentId, outcome });
});
