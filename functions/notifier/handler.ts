import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromPaymentItem } from '../../shared/adapters/payment-store';
import { type BatchLookups, lookUpBatch, publishTransition, type Reached } from '../../shared/events/publish';
import { logger } from '../lib/logger';
import { publishDeps } from '../lib/runtime';

const unmarshalled = (value: Record<string, unknown> | undefined) =>
  value && unmarshall(value as Record<string, AttributeValue>, { wrapNumbers: (n) => BigInt(n) });

/**
 * A record is news when a payment's status changes (an INITIATED payment is none: `publishTransition` skips it); its
 * push was claimed when the new image names the status it reached as claimed (`pushClaim`).
 */
const transition = (record: DynamoDBRecord): Reached | undefined => {
  const [before, after] = [unmarshalled(record.dynamodb?.OldImage), unmarshalled(record.dynamodb?.NewImage)];
  const payment = after && fromPaymentItem(after);
  if (!payment || payment.status === (before && fromPaymentItem(before).status)) return undefined;
  return { payment, pushClaimed: after.pushClaim === payment.status };
};

const failure = (record: DynamoDBRecord) => ({
  batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }],
});

/**
 * Reads the payments table's stream (the outbox of payment states) in order. On the first record that fails, it reports
 * that record: the stream delivers it and those after it again, bisecting and finally sending it to the on-failure
 * destination, so one dead connection or endpoint can never hold back everyone else's news for long.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: DynamoDBStreamEvent) => {
    const news = event.Records.flatMap((record) => {
      const reached = transition(record);
      return reached ? [{ record, reached }] : [];
    });
    const [first] = news;
    if (!first) return { batchItemFailures: [] };
    let lookups: BatchLookups;
    try {
      lookups = await lookUpBatch(
        publishDeps,
        news.map(({ reached }) => reached),
      );
    } catch (error) {
      logger.error('Reading the batch failed; the stream will deliver it again', { error: error as Error });
      return failure(first.record);
    }
    for (const { record, reached } of news) {
      const { payment } = reached;
      try {
        const published = await publishTransition(publishDeps, reached, lookups);
        if (published) logger.info('Payment event published', { paymentId: payment.id, ...published });
      } catch (error) {
        logger.error('Publishing failed; the stream will deliver the record again', {
          paymentId: payment.id,
          error: error as Error,
        });
        return failure(record);
      }
    }
    return { batchItemFailures: [] };
  });
