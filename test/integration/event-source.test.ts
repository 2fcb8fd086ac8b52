import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSBatchResponse, SQSEvent, SQSRecord, ScheduledEvent } from 'aws-lambda';
import { queues as manifestQueues } from '../../functions/manifest';
import { type SqsEventSource, type SqsEventSourceOptions, startSqsEventSource } from '../../infra/local/event-source';
import { createQueues, ensureQueues, type LocalQueue, queueEnv } from '../../infra/local/queues';
import { startSchedule } from '../../infra/local/scheduler';
import { type LocalSqs, startSqs } from '../../infra/local/sqs';

// Short visibility timeouts keep redelivery tests around a second each.
const testQueues = {
  partial: { envVar: 'PARTIAL_QUEUE_URL', visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
  shape: { envVar: 'SHAPE_QUEUE_URL', visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
  'whole-throws': { envVar: 'T_QUEUE_URL', visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
  'whole-unknown-id': { envVar: 'U_QUEUE_URL', visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
  'whole-timeout': { envVar: 'O_QUEUE_URL', visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
  poison: { envVar: 'POISON_QUEUE_URL', visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
  stopping: { envVar: 'STOPPING_QUEUE_URL', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
  scaling: { envVar: 'SCALING_QUEUE_URL', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
  window: { envVar: 'WINDOW_QUEUE_URL', visibilityTimeoutSeconds: 30, maxReceiveCount: 5 },
} as const;

let sqs: LocalSqs;
let client: SQSClient;
let queues: Record<keyof typeof testQueues, LocalQueue>;
const sources: SqsEventSource[] = [];

beforeAll(async () => {
  sqs = await startSqs();
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  queues = await createQueues(client, testQueues);
});

// Each test has its queue to itself, so its event source may poll on until the end; stopping them all at once there
// spares each test the wait for an idle long poll.
afterAll(async () => {
  await Promise.all(sources.map((source) => source.stop()));
  client.destroy();
  await sqs.stop();
});

type Options = Omit<SqsEventSourceOptions, 'client' | 'queueUrl' | 'queueArn'>;

const consume = (queue: LocalQueue, options: Partial<Options> & Pick<Options, 'handler'>) => {
  const errors: Error[] = [];
  const source = startSqsEventSource({
    client,
    queueUrl: queue.url,
    queueArn: queue.arn,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    functionName: 'processor',
    onError: (error) => errors.push(error),
    ...options,
  });
  sources.push(source);
  return { source, errors };
};

const send = async (queue: LocalQueue, ...bodies: string[]) => {
  const { Successful = [] } = await client.send(
    new SendMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );
  return Successful.map((entry) => entry.MessageId!);
};

/** Visible and in-flight messages of a queue. */
const depth = async (url: string) => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
};

const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
};

interface Delivery {
  at: number;
  records: SQSRecord[];
}

const bodiesOf = (delivery: Delivery | undefined) => delivery?.records.map((record) => record.body).sort();
const receiveCounts = (delivery: Delivery | undefined) =>
  delivery?.records.map((record) => record.attributes.ApproximateReceiveCount);

describe('the local SQS event source', () => {
  it('creates the manifest queues with a dead-letter queue and the redrive policy of their definition', async () => {
    const created = await ensureQueues(client);
    const { payments } = created;

    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: payments.url, AttributeNames: ['All'] }),
    );
    expect(Attributes.VisibilityTimeout).toBe('60');
    expect(JSON.parse(Attributes.RedrivePolicy!)).toEqual({ deadLetterTargetArn: payments.dlqArn, maxReceiveCount: 5 });
    expect(payments.dlqUrl).toMatch(/\/payments-dlq$/);
    expect(queueEnv(created)).toMatchObject({ [manifestQueues.payments.envVar]: payments.url });
    // Every start creates them again: that must be harmless.
    await expect(ensureQueues(client)).resolves.toEqual(created);
  });

  it('hands the handler records shaped as Lambda shapes them', async () => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queues.shape.url,
        MessageBody: '{"paymentId":"p-1"}',
        MessageAttributes: {
          traceId: { DataType: 'String', StringValue: 'abc' },
          raw: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
        },
      }),
    );
    const events: SQSEvent[] = [];
    consume(queues.shape, {
      handler: (event) => {
        events.push(event);
      },
    });

    await waitFor(() => events.length > 0);
    expect(events[0]).toEqual({
      Records: [
        {
          messageId: expect.any(String),
          receiptHandle: expect.any(String),
          body: '{"paymentId":"p-1"}',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: expect.stringMatching(/^\d{13}$/),
            SenderId: expect.any(String),
            ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
          },
          messageAttributes: {
            traceId: { stringValue: 'abc', stringListValues: [], binaryListValues: [], dataType: 'String' },
            raw: { binaryValue: 'aGk=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
          },
          md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
          md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
          eventSource: 'aws:sqs',
          eventSourceARN: queues.shape.arn,
          awsRegion: 'us-east-1',
        },
      ],
    });
    // A handler that answers nothing succeeded: its messages are deleted.
    await waitFor(async () => (await depth(queues.shape.url)).inFlight === 0);
    expect(await depth(queues.shape.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes the messages a batch did not report as failed and redelivers only the failed one after the visibility timeout', async () => {
    const [, failing] = await send(queues.partial, 'a', 'b', 'c');
    const deliveries: Delivery[] = [];
    const { errors } = consume(queues.partial, {
      concurrency: 1,
      handler: (event): SQSBatchResponse => {
        deliveries.push({ at: Date.now(), records: event.Records });
        return {
          batchItemFailures: event.Records.filter(
            (r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1',
          ).map((r) => ({ itemIdentifier: r.messageId })),
        };
      },
    });

    await waitFor(() => deliveries.length === 2);
    const [first, second] = deliveries;
    expect(bodiesOf(first)).toEqual(['a', 'b', 'c']);
    expect(second?.records.map((r) => r.messageId)).toEqual([failing]);
    expect(receiveCounts(second)).toEqual(['2']);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    await waitFor(async () => (await depth(queues.partial.url)).inFlight === 0);
    expect(await depth(queues.partial.url)).toEqual({ visible: 0, inFlight: 0 });
    expect(deliveries).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it.each([
    {
      queue: 'whole-throws' as const,
      failure: 'throws',
      first: () => {
        throw new Error('database unavailable');
      },
      logged: /database unavailable/,
    },
    {
      queue: 'whole-unknown-id' as const,
      failure: 'reports a message that is not in the batch',
      first: (): SQSBatchResponse => ({ batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] }),
      logged: /not a message of the batch/,
    },
    {
      queue: 'whole-timeout' as const,
      failure: 'outlives its timeout',
      first: () => sleep(400),
      logged: /timed out/,
    },
  ])('gets the whole batch back when the handler $failure', async ({ queue, first, logged }) => {
    await send(queues[queue], 'x', 'y');
    const deliveries: Delivery[] = [];
    const { errors } = consume(queues[queue], {
      timeoutSeconds: 0.2,
      handler: (event) => {
        deliveries.push({ at: Date.now(), records: event.Records });
        return deliveries.length === 1 ? first() : undefined;
      },
    });

    await waitFor(() => deliveries.length === 2);
    expect(bodiesOf(deliveries[1])).toEqual(['x', 'y']);
    expect(receiveCounts(deliveries[1])).toEqual(['2', '2']);
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(900);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(logged);
    expect(errors[0]?.message).not.toContain('\n');
    await waitFor(async () => (await depth(queues[queue].url)).inFlight === 0);
    // The slow first run of the timeout case is still sleeping: let it end inside this test.
    await sleep(100);
  });

  it('moves a message that always fails to the dead-letter queue after maxReceiveCount receives', async () => {
    const [poison] = await send(queues.poison, 'poison');
    const counts: string[] = [];
    consume(queues.poison, {
      handler: (event): SQSBatchResponse => {
        counts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });

    await waitFor(async () => (await depth(queues.poison.dlqUrl)).visible === 1);
    expect(counts).toEqual(['1', '2']);
    expect(await depth(queues.poison.url)).toEqual({ visible: 0, inFlight: 0 });
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queues.poison.dlqUrl }));
    expect(Messages.map((m) => [m.MessageId, m.Body])).toEqual([[poison, 'poison']]);
  });

  it('stops polling at once but waits for the batch in flight, whose messages it still deletes', async () => {
    await send(queues.stopping, 'slow');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let finished = false;
    const { source } = consume(queues.stopping, {
      timeoutSeconds: 10,
      handler: async () => {
        started = true;
        await gate;
        finished = true;
      },
    });
    await waitFor(() => started);

    let stopped = false;
    const stopping = source.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false);
    release();
    const releasedAt = Date.now();
    await stopping;

    expect(finished).toBe(true);
    // The idle poller's long poll is 1 s: stop() never waits longer than that for it.
    expect(Date.now() - releasedAt).toBeLessThan(1_500);
    expect(await depth(queues.stopping.url)).toEqual({ visible: 0, inFlight: 0 });
    await send(queues.stopping, 'after stop');
    await sleep(100);
    expect(await depth(queues.stopping.url)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('runs up to `concurrency` batches at once, one at a time per poller', async () => {
    await send(queues.scaling, '1', '2', '3', '4', '5', '6');
    let running = 0;
    let most = 0;
    let handled = 0;
    consume(queues.scaling, {
      batchSize: 1,
      concurrency: 3,
      handler: async () => {
        running += 1;
        most = Math.max(most, running);
        await sleep(100);
        running -= 1;
        handled += 1;
      },
    });

    await waitFor(() => handled === 6);
    expect(most).toBe(3);
  });

  it('gathers messages arriving within the batching window into one batch', async () => {
    await send(queues.window, 'early-1', 'early-2');
    const deliveries: Delivery[] = [];
    consume(queues.window, {
      batchSize: 4,
      maxBatchingWindowSeconds: 0.5,
      concurrency: 1,
      handler: (event) => {
        deliveries.push({ at: Date.now(), records: event.Records });
      },
    });
    await sleep(150);
    await send(queues.window, 'late-1', 'late-2');

    await waitFor(() => deliveries.length > 0);
    expect(bodiesOf(deliveries[0])).toEqual(['early-1', 'early-2', 'late-1', 'late-2']);
  });
});

describe('the local schedule', () => {
  it('never overlaps itself: a tick that finds the previous run in flight is skipped', async () => {
    let running = 0;
    let most = 0;
    const events: ScheduledEvent[] = [];
    const schedule = startSchedule({
      everyMs: 30,
      functionName: 'sweeper',
      timeoutSeconds: 5,
      handler: async (event) => {
        events.push(event);
        running += 1;
        most = Math.max(most, running);
        await sleep(120);
        running -= 1;
      },
    });
    await sleep(650);
    await schedule.stop();

    expect(running).toBe(0);
    expect(most).toBe(1);
    // Some twenty ticks, but 120 ms runs one after the other leave room for five or six.
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.length).toBeLessThanOrEqual(6);
    expect(events[0]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: expect.stringMatching(/^\d{12}$/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [expect.stringMatching(/^arn:aws:events:us-east-1:\d{12}:rule\/.*sweeper/)],
      detail: {},
    });
  });

  it('keeps its period after a failed or timed-out run, reporting each failure', async () => {
    const errors: Error[] = [];
    let runs = 0;
    let running = 0;
    let most = 0;
    const schedule = startSchedule({
      everyMs: 40,
      functionName: 'sweeper',
      timeoutSeconds: 0.05,
      onError: (error) => errors.push(error),
      handler: async () => {
        runs += 1;
        if (runs % 2 === 1) throw new Error(`run ${runs} failed`);
        running += 1;
        most = Math.max(most, running);
        await sleep(120);
        running -= 1;
      },
    });
    await waitFor(() => runs >= 4, 2_000);
    await schedule.stop();
    await waitFor(() => running === 0);

    // A run past its timeout is reported, but the next tick still waits for it to end.
    expect(most).toBe(1);

    expect(errors.map((error) => error.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/run 1 failed/), expect.stringMatching(/timed out/)]),
    );
  });
});
