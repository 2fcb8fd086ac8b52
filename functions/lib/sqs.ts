import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod/mini';
import { logger } from './logger';

/**
 * The one middy stack of every SQS consumer: each record of the batch is handled on its own, concurrently, and the
 * ones that fail are reported as batch item failures, so SQS redelivers only them (`ReportBatchItemFailures`). A
 * message whose body does not parse fails too, and after `maxReceiveCount` tries lands in the DLQ for a human.
 */
export const sqsBatchHandler = <S extends z.ZodMiniType>(
  message: S,
  handle: (body: z.infer<S>, record: SQSRecord) => Promise<void>,
) =>
  middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: SQSEvent) => {
      const results = await Promise.allSettled(
        event.Records.map(async (record) => {
          let body: unknown;
          try {
            body = JSON.parse(record.body);
          } catch {
            body = undefined;
          }
          const parsed = message.safeParse(body);
          if (!parsed.success) throw new Error(`Message ${record.messageId} is not a valid message`);
          await handle(parsed.data, record);
        }),
      );
      const batchItemFailures = results.flatMap((result, index) => {
        if (result.status === 'fulfilled') return [];
        const record = event.Records[index];
        logger.error('Message failed; SQS will redeliver it', {
          messageId: record?.messageId,
          error: result.reason as Error,
        });
        return record ? [{ itemIdentifier: record.messageId }] : [];
      });
      return { batchItemFailures };
    });
