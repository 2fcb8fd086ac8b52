import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { once } from './helpers';
import { invokeBatch, poller, type TriggerOptions } from './poller';

/** What `onError` hears of: a failed batch, receive or delete. */
export interface SqsEventSourceOptions extends TriggerOptions<SQSEvent> {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Messages per invocation, 1 to 10,000 (more than 10 are gathered over several receives, within the window). */
  batchSize: number;
  /** How long to keep gathering a batch that is not full yet; 0 invokes as soon as messages arrive. */
  maxBatchingWindowSeconds: number;
  /** Pollers, each invoking the handler for one batch at a time. Lambda scales out the same way. Default 2. */
  concurrency?: number;
}

export interface SqsEventSource {
  /** Stops polling, and resolves once every batch already received has been handled (or has timed out). */
  stop(): Promise<void>;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Lambda's spelling of message attributes: camel case, base64 binaries, list fields always present. */
const toMessageAttributes = (attributes: Record<string, MessageAttributeValue> = {}): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
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
  const { ApproximateReceiveCount = '1', SentTimestamp = '', SenderId = '', ...more } = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    // Lambda lists the standard attributes first, then whichever others SQS answered (FIFO fields, trace header).
    attributes: {
      ApproximateReceiveCount,
      SentTimestamp,
      SenderId,
      ApproximateFirstReceiveTimestamp: more.ApproximateFirstReceiveTimestamp ?? '',
      ...more,
    },
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
// The long poll of each receive: it bounds how long `stop()` waits for an idle poller.
const WAIT_TIME_SECONDS = 1;

/**
 * Polls a queue and invokes a handler with its messages the way the Lambda SQS event source mapping does, with
 * `ReportBatchItemFailures` on: batches of up to `batchSize` Lambda-shaped records; the messages the handler does not
 * list in `batchItemFailures` are deleted, the listed ones come back after the visibility timeout; a handler that
 * throws, times out or answers an invalid response gets the whole batch back the same way. Moving a message to the
 * dead-letter queue after `maxReceiveCount` receives is the queue's redrive policy, which fauxqs applies on receive.
 */
export const startSqsEventSource = (options: SqsEventSourceOptions): SqsEventSource => {
  const { client, queueUrl, queueArn, batchSize, maxBatchingWindowSeconds, handler, functionName } = options;
  const { timeoutSeconds, concurrency = 2 } = options;

  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , awsRegion = '', , queueName = queueUrl] = queueArn.split(':');
  const signal = poller(
    `[local sqs] ${functionName} <- ${queueName}:`,
    options.onError,
    `${queueName} -> ${functionName}`,
  );
  const { report, isStopping, pause } = signal;

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
    const batch = await receive(batchSize, WAIT_TIME_SECONDS);
    const deadline = Date.now() + maxBatchingWindowSeconds * 1000;
    try {
      while (batch.length > 0 && batch.length < batchSize && !isStopping()) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const wait = Math.min(Math.floor(left / 1000), WAIT_TIME_SECONDS);
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
      const Entries = chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle }));
      try {
        const { Failed = [] } = await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
        if (Failed.length > 0) throw new Error(Failed.map(({ Code, Message }) => `${Code} ${Message}`).join('; '));
      } catch (error) {
        report(`${chunk.length} processed message(s) could not be deleted and will be redelivered`, error);
      }
    }
  };

  const handleBatch = async (messages: Message[]) => {
    const records = messages.map((message) => toRecord(message, queueArn, awsRegion));
    let failed: Set<string>;
    try {
      const ids = records.map((record) => record.messageId);
      failed = await invokeBatch(handler, functionName, records, ids, timeoutSeconds);
    } catch (error) {
      report(`a batch of ${records.length} message(s) failed and comes back after the visibility timeout`, error);
      return;
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length > 0) await deleteMessages(done);
  };

  const poll = async () => {
    while (!isStopping()) {
      let messages: Message[];
      try {
        messages = await receiveBatch();
        signal.recovered();
      } catch (error) {
        if (isStopping()) break;
        await pause(signal.retryIn('ReceiveMessage', error));
        continue;
      }
      // A batch received while stopping is handled all the same: its messages are in flight already.
      if (messages.length > 0) await handleBatch(messages);
    }
  };

  const pollers = Array.from({ length: concurrency }, () =>
    signal.run(poll).catch((error: unknown) => {
      report('a poller stopped unexpectedly', error);
    }),
  );
  return {
    stop: once(async () => {
      signal.stop();
      await Promise.all(pollers);
    }),
  };
};
