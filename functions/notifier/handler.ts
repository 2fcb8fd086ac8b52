import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { reachedOf } from '../../shared/adapters/payment-stream';
import { type BatchLookups, lookUpBatch, publishTransition } from '../../shared/events/publish';
import { logger } from '../lib/logger';
import { publishDeps } from '../lib/runtime';

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
      const reached = reachedOf(record);
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
