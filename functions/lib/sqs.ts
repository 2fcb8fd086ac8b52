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

interface Parsed<T> {
  record: SQSRecord;
  body: T;
}

/** The records whose body parses, and a failed outcome for each of the others. */
const parseRecords = <S extends z.ZodMiniType>(message: S, records: readonly SQSRecord[]) => {
  const outcomes = new Map<string, Outcome>();
  const parsed: Parsed<z.infer<S>>[] = [];
  for (const record of records) {
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      json = undefined;
    }
    const result = message.safeParse(json);
    if (result.success) parsed.push({ record, body: result.data });
    else
      outcomes.set(record.messageId, {
        ok: false,
        retry: false,
        error: new Error(`Message ${record.messageId} is not a valid message`),
      });
  }
  return { parsed, outcomes };
};

/** The batch item failures of the records whose outcome is not a success (or missing), each logged. */
const batchItemFailuresOf = (records: readonly SQSRecord[], outcomes: ReadonlyMap<string, Outcome>) =>
  records.flatMap((record) => {
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
      const { parsed, outcomes } = parseRecords(message, event.Records);
      const run = async ({ record, body }: Parsed<z.infer<S>>) => {
        try {
          outcomes.set(
            record.messageId,
            (await handle(body, record)) === RETRY_LATER ? { ok: false, retry: true } : { ok: true },
          );
        } catch (error) {
          outcomes.set(record.messageId, { ok: false, retry: false, error });
        }
      };
      const groups = new Map<string, Parsed<z.infer<S>>[]>();
      for (const item of parsed) {
        const key = options.sequence?.keyOf(item.body) ?? item.record.messageId;
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
      const order = options.sequence?.orderOf;
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const ordered = order ? [...group].sort((a, b) => (order(a.body) < order(b.body) ? -1 : 1)) : group;
          for (const item of ordered) await run(item);
        }),
      );
      return { batchItemFailures: batchItemFailuresOf(event.Records, outcomes) };
    });

/**
 * The SQS stack of a consumer that handles its batch as a whole (the processor commits payments together): `handle`
 * gets every message that parses and answers, by message id, the error that keeps a message for redelivery; a message
 * it answers nothing for is done. A message that does not parse fails as in `sqsBatchHandler`, and so does every
 * message when `handle` throws.
 */
export const sqsWholeBatchHandler = <S extends z.ZodMiniType>(
  message: S,
  handle: (messages: Parsed<z.infer<S>>[]) => Promise<ReadonlyMap<string, unknown>>,
) =>
  middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: SQSEvent) => {
      const { parsed, outcomes } = parseRecords(message, event.Records);
      let failures: ReadonlyMap<string, unknown>;
      try {
        failures = parsed.length > 0 ? await handle(parsed) : new Map();
      } catch (error) {
        failures = new Map(parsed.map(({ record }) => [record.messageId, error]));
      }
      for (const { record } of parsed) {
        outcomes.set(
          record.messageId,
          failures.has(record.messageId)
            ? { ok: false, retry: false, error: failures.get(record.messageId) }
            : { ok: true },
        );
      }
      return { batchItemFailures: batchItemFailuresOf(event.Records, outcomes) };
    });
