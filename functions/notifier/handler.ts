import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromPaymentItem } from '../../shared/adapters/payment-store';
import { publishTransition } from '../../shared/events/publish';
import { logger } from '../lib/logger';
import { publishDeps } from '../lib/runtime';

const image = (value: Record<string, unknown> | undefined) =>
  value && fromPaymentItem(unmarshall(value as Record<string, AttributeValue>, { wrapNumbers: (n) => BigInt(n) }));

/** A record is news when a payment's status changes (an INITIATED payment is none: `publishTransition` skips it). */
const transition = (record: DynamoDBRecord) => {
  const [before, after] = [image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage)];
  return after && after.status !== before?.status ? after : undefined;
};

/**
 * Reads the payments table's stream (the outbox of payment states) in order. On the first record that fails, it reports
 * that record: the stream delivers it and those after it again, bisecting and finally sending it to the on-failure
 * destination, so one dead connection or endpoint can never hold back everyone else's news for long.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: DynamoDBStreamEvent) => {
    for (const record of event.Records) {
      const payment = transition(record);
      if (!payment) continue;
      try {
        const published = await publishTransition(publishDeps, payment);
        if (published) logger.info('Payment event published', { paymentId: payment.id, ...published });
      } catch (error) {
        logger.error('Publishing failed; the stream will deliver the record again', {
          paymentId: payment.id,
          error: error as Error,
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });
