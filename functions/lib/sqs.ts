import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod/mini';
import { logger } from './logger';

/** What a handler answers for a message the queue should keep and deliver again later, without it being a fault. */
export const RETRY_LATER = 'retry-later';

export interface SqsBatchOptions<T> {
  /**
   * Messages with the same key are handled one after the other, in the order of `orderOf`; messages with different
   * keys, at once. Without it, every message of the batch is handled at once.
   */
  sequence?: { keyOf: (body: T) => string; orderOf: (body: T) => string };
}

type Outcome = { ok: true } | { ok: false; retry: boolean; error?: unknown };

/**
 * The one middy stack of every SQS consumer: each record of the batch is handled on its own, concurrently, and the
 * ones that fail (or that the handler wants back later) are reported as batch item failures, so SQS redelivers only
 * them (`ReportBatchItemFailures`). A message whose body does not parse fails too, and after `maxReceiveCount` tries
 * lands in the DLQ for a human.
 */
export const sqsBatchHandler = <S extends z.ZodMiniType>(
  message: S,
  /** Resolves `RETRY_LATER` to keep the message for a later delivery; anything else deletes it. */
  handle: (body: z.infer<S>, record: SQSRecord) => Promise<unknown>,
  options: SqsBatchOptions<z.infer<S>> = {},
) =>
  middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: SQSEvent) => {
      const outcomes = new Map<string, Outcome>();
      const run = async (record: SQSRecord, body: z.infer<S>) => {
        try {
          outcomes.set(
            record.messageId,
            (await handle(body, record)) === RETRY_LATER ? { ok: false, retry: true } : { ok: true },
          );
        } catch (error) {
          outcomes.set(record.messageId, { ok: false, retry: false, error });
        }
      };
      const groups = new Map<string, { record: SQSRecord; body: z.infer<S> }[]>();
      for (const record of event.Records) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(record.body);
        } catch {
          parsed = undefined;
        }
        const result = message.safeParse(parsed);
        if (!result.success) {
          outcomes.set(record.messageId, {
            ok: false,
            retry: false,
            error: new Error(`Message ${record.messageId} is not a valid message`),
          });
          continue;
        }
        const key = options.sequence?.keyOf(result.data) ?? record.messageId;
        groups.set(key, [...(groups.get(key) ?? []), { record, body: result.data }]);
      }
      const order = options.sequence?.orderOf;
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const ordered = order ? [...group].sort((a, b) => (order(a.body) < order(b.body) ? -1 : 1)) : group;
          for (const { record, body } of ordered) await run(record, body);
        }),
      );
      const batchItemFailures = event.Records.flatMap((record) => {
        const outcome = outcomes.get(record.messageId);
        if (!outcome || outcome.ok) return [];
        if (outcome.retry) logger.info('Message kept for a later attempt', { messageId: record.messageId });
        else
          logger.error('Message failed; SQS will redeliver it', {
            messageId: record.messageId,
            error: outcome.error as Error,
          });
        return [{ itemIdentifier: record.messageId }];
      });
      return { batchItemFailures };
    });
