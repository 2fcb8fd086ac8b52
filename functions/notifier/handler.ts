import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromPaymentItem } from '../../shared/db/payment-store';
import { isFinal } from '../../shared/payments/model';
import { notifyOutcome } from '../../shared/realtime/service';
import { logger } from '../lib/logger';
import { realtimeDeps } from '../lib/runtime';

const image = (value: Record<string, unknown> | undefined) =>
  value && fromPaymentItem(unmarshall(value as Record<string, AttributeValue>, { wrapNumbers: (n) => BigInt(n) }));

/** A record is news when a payment reaches a final state: INITIATED before, COMPLETED or FAILED after. */
const finalTransition = (record: DynamoDBRecord) => {
  const [before, after] = [image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage)];
  return after && isFinal(after.status) && (!before || !isFinal(before.status)) ? after : undefined;
};

/**
 * Reads the payments table's stream (the outbox of outcomes) in order. On the first record that fails, it reports
 * that record: the stream delivers it and those after it again, bisecting and finally sending it to the on-failure
 * destination, so one dead connection can never hold back everyone else's news for long.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: DynamoDBStreamEvent) => {
    for (const record of event.Records) {
      const payment = finalTransition(record);
      if (!payment) continue;
      try {
        const result = await notifyOutcome(realtimeDeps, payment);
        logger.info('Payment outcome pushed', { paymentId: payment.id, status: payment.status, ...result });
      } catch (error) {
        logger.error('Push failed; the stream will deliver the record again', {
          paymentId: payment.id,
          error: error as Error,
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });
