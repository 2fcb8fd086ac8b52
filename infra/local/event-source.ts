import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { FunctionName } from '../../functions/manifest';
import { lambdaContext } from './http-server';
import { checkRange, errorReporter, logToStderr, stopSignal } from './poller';

/** Lambda's default function timeout, for functions whose manifest entry sets none. */
export const DEFAULT_TIMEOUT_SECONDS = 3;

/** A handler ran past its timeout: Lambda would have stopped it and counted the invocation as failed. */
export class InvocationTimeout extends Error {}

export interface Invocation {
  /** The handler's answer through JSON, as Lambda returns it; rejects if the handler fails or times out. */
  outcome: Promise<unknown>;
  /** Settles when the handler's own promise does, which may be after `outcome` timed out. */
  settled: Promise<void>;
}

/**
 * Invokes a handler the way Lambda does: a deep copy of the event in, the answer through JSON out (a value JSON cannot
 * carry fails the invocation), a context whose deadline is the function's timeout. Locally nothing can stop a handler
 * that outlives its timeout: `outcome` fails then, and `settled` tells when the handler really finished.
 */
export const startInvocation = <E>(
  handler: (event: E, context: Context) => unknown,
  functionName: FunctionName,
  event: E,
  timeoutSeconds: number,
): Invocation => {
  const timeoutMs = Math.round(timeoutSeconds * 1000);
  // Async, so that a handler throwing before its first await fails the invocation like any other error.
  const running = (async () =>
    await handler(JSON.parse(JSON.stringify(event)) as E, lambdaContext(functionName, timeoutMs)))();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new InvocationTimeout(`${functionName} timed out after ${timeoutSeconds} s`));
    }, timeoutMs);
  });
  const outcome = Promise.race([running, timeout])
    .then((result) => {
      const serialized = JSON.stringify(result) as string | undefined;
      return serialized === undefined ? undefined : (JSON.parse(serialized) as unknown);
    })
    .finally(() => {
      clearTimeout(timer);
    });
  return {
    outcome,
    settled: running.then(
      () => undefined,
      () => undefined,
    ),
  };
};

export type SqsEventHandler = (event: SQSEvent, context: Context) => unknown;

export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Messages per invocation, 1 to 10,000 (more than 10 are gathered over several receives, within the window). */
  batchSize: number;
  /** How long to keep gathering a batch that is not full yet; 0 invokes as soon as messages arrive. */
  maxBatchingWindowSeconds: number;
  handler: SqsEventHandler;
  functionName: FunctionName;
  /** The function's timeout: past it the batch counts as failed. Lambda's default, 3 s, when omitted. */
  timeoutSeconds?: number;
  /** Pollers, each invoking the handler for one batch at a time. Lambda scales out the same way. Default 2. */
  concurrency?: number;
  /** The long poll of each receive, 1 to 20 s; it bounds how long `stop()` waits for an idle poller. Default 1. */
  waitTimeSeconds?: number;
  /** A failed batch, receive or delete; the default writes one line to stderr. Never throws into the poller. */
  onError?: (error: Error) => void;
}

export interface SqsEventSource {
  /** Stops polling, and resolves once every batch already received has been handled (or has timed out). */
  stop(): Promise<void>;
}

/** The handler's answer is not a valid `SQSBatchResponse`: Lambda then fails the whole batch. */
export class InvalidBatchResponse extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The message ids to leave on the queue, from a response under `ReportBatchItemFailures`, with Lambda's rules: no
 * answer, an empty object or a null or empty `batchItemFailures` is a full success; an `itemIdentifier` that is
 * missing, empty or not a message of the batch fails the whole batch, as does an answer of any other shape.
 */
export const failedMessageIds = (response: unknown, batch: ReadonlySet<string>): Set<string> => {
  if (response === undefined || response === null) return new Set();
  if (!isRecord(response)) throw new InvalidBatchResponse('the response is not an object');
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) throw new InvalidBatchResponse('batchItemFailures is not an array');
  const failed = new Set<string>();
  for (const [index, failure] of (failures as unknown[]).entries()) {
    const id = isRecord(failure) ? failure.itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') {
      throw new InvalidBatchResponse(`batchItemFailures[${index}] has no itemIdentifier`);
    }
    if (!batch.has(id)) {
      throw new InvalidBatchResponse(`batchItemFailures[${index}].itemIdentifier ${id} is not a message of the batch`);
    }
    failed.add(id);
  }
  return failed;
};

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Lambda's spelling of message attributes: camel case, base64 binaries, list fields always present. */
const toMessageAttributes = (attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );

const toRecord = (message: Message, eventSourceARN: string, awsRegion: string): SQSRecord => {
  const { ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, ...more } =
    message.Attributes ?? {};
  // Lambda lists the four standard attributes first, then whichever others SQS answered (FIFO fields, trace header).
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: ApproximateReceiveCount ?? '1',
    SentTimestamp: SentTimestamp ?? '',
    SenderId: SenderId ?? '',
    ApproximateFirstReceiveTimestamp: ApproximateFirstReceiveTimestamp ?? '',
    ...more,
  };
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
};

// ReceiveMessage and DeleteMessageBatch take at most ten messages.
const SQS_BATCH_LIMIT = 10;
const MAX_BACKOFF_MS = 5_000;

/**
 * Polls a queue and invokes a handler with its messages the way the Lambda SQS event source mapping does, with
 * `ReportBatchItemFailures` on: batches of up to `batchSize` Lambda-shaped records; the messages the handler does not
 * list in `batchItemFailures` are deleted, the listed ones come back after the visibility timeout; a handler that
 * throws, times out or answers an invalid response gets the whole batch back the same way. Moving a message to the
 * dead-letter queue after `maxReceiveCount` receives is the queue's redrive policy, which fauxqs applies on receive.
 */
export const startSqsEventSource = (options: SqsEventSourceOptions): SqsEventSource => {
  const {
    client,
    queueUrl,
    queueArn,
    batchSize,
    maxBatchingWindowSeconds,
    handler,
    functionName,
    timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
    concurrency = 2,
    waitTimeSeconds = 1,
    onError = logToStderr,
  } = options;
  checkRange('batchSize', batchSize, 1, 10_000);
  checkRange('maxBatchingWindowSeconds', maxBatchingWindowSeconds, 0, 300, false);
  checkRange('concurrency', concurrency, 1, 1_000);
  // At least 1: an idle poller must wait on the queue, not spin.
  checkRange('waitTimeSeconds', waitTimeSeconds, 1, 20);
  checkRange('timeoutSeconds', timeoutSeconds, 0.001, 900, false);

  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , awsRegion = '', , queueName = queueUrl] = queueArn.split(':');
  const prefix = `[local sqs] ${functionName} <- ${queueName}:`;
  const report = errorReporter(prefix, onError);
  const { isStopping, pause, stop } = stopSignal();

  const receive = async (max: number, wait: number): Promise<Message[]> => {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(max, SQS_BATCH_LIMIT),
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages;
  };

  /** One long poll, then, while the batch is not full, more receives until the batching window closes. */
  const receiveBatch = async (): Promise<Message[]> => {
    const batch = await receive(batchSize, waitTimeSeconds);
    if (batch.length === 0 || maxBatchingWindowSeconds === 0) return batch;
    const deadline = Date.now() + maxBatchingWindowSeconds * 1000;
    try {
      while (batch.length < batchSize && !isStopping()) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const wait = Math.min(Math.floor(left / 1000), waitTimeSeconds);
        const more = await receive(batchSize - batch.length, wait);
        batch.push(...more);
        // Under a second of window left, receives are short polls: space them out.
        if (more.length === 0 && wait === 0) await pause(Math.min(left, 50));
      }
    } catch (error) {
      // What was received is in flight already: hand it over rather than let it wait out its visibility timeout.
      report('ReceiveMessage failed while gathering a batch', error);
    }
    return batch;
  };

  const deleteMessages = async (records: SQSRecord[]) => {
    for (let at = 0; at < records.length; at += SQS_BATCH_LIMIT) {
      const chunk = records.slice(at, at + SQS_BATCH_LIMIT);
      try {
        const { Failed = [] } = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
          }),
        );
        if (Failed.length > 0) {
          const details = Failed.map((failure) => `${failure.Code ?? '?'} ${failure.Message ?? ''}`.trim());
          report(
            `${Failed.length} processed message(s) could not be deleted and will be redelivered`,
            details.join('; '),
          );
        }
      } catch (error) {
        report(`${chunk.length} processed message(s) could not be deleted and will be redelivered`, error);
      }
    }
  };

  const handleBatch = async (messages: Message[]) => {
    const records = messages.map((message) => toRecord(message, queueArn, awsRegion));
    let failed: Set<string>;
    try {
      const response = await startInvocation(handler, functionName, { Records: records }, timeoutSeconds).outcome;
      failed = failedMessageIds(response, new Set(records.map((record) => record.messageId)));
    } catch (error) {
      report(
        `a batch of ${records.length} message(s) failed and will be redelivered after the visibility timeout`,
        error,
      );
      return;
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length > 0) await deleteMessages(done);
  };

  const poll = async () => {
    let backoffMs = 0;
    while (!isStopping()) {
      let messages: Message[];
      try {
        messages = await receiveBatch();
        backoffMs = 0;
      } catch (error) {
        if (isStopping()) break;
        backoffMs = Math.min(backoffMs * 2 || 100, MAX_BACKOFF_MS);
        report(`ReceiveMessage failed, retrying in ${backoffMs} ms`, error);
        await pause(backoffMs);
        continue;
      }
      // A batch received while stopping is handled all the same: its messages are in flight already.
      if (messages.length > 0) await handleBatch(messages);
    }
  };

  const pollers = Array.from({ length: concurrency }, () =>
    poll().catch((error: unknown) => {
      report('a poller stopped unexpectedly', error);
    }),
  );

  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        stop();
        await Promise.all(pollers);
      })()),
  };
};
