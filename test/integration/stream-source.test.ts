import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { type StreamSource, type StreamSourceOptions, startStreamSource } from '../../infra/local/stream-source';
import { createTestTables, type TestTables } from '../support/dynamo';

let tables: TestTables;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  tables = await createTestTables();
  streams = new DynamoDBStreamsClient({
    endpoint: process.env.TEST_DYNAMODB_ENDPOINT ?? process.env.AWS_ENDPOINT_URL,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}, 30_000);

afterAll(() => {
  streams.destroy();
  tables.destroy();
});

// Every test reads the same table from LATEST: each stops its source before the next one starts.
let source: StreamSource | undefined;
afterEach(async () => {
  await source?.stop();
  source = undefined;
});

type Handler = (event: DynamoDBStreamEvent) => DynamoDBBatchResponse | undefined | Promise<unknown>;

const consume = async (handler: Handler, options: Partial<StreamSourceOptions> = {}) => {
  const errors: Error[] = [];
  const deliveries: DynamoDBRecord[][] = [];
  source = await startStreamSource({
    client: streams,
    tableName: tables.names.payments,
    functionName: 'notifier',
    batchSize: 10,
    maxRetries: 2,
    pollIntervalMs: 50,
    onError: (error) => errors.push(error),
    handler: (event) => {
      deliveries.push(event.Records);
      return handler(event);
    },
    ...options,
  });
  return { errors, deliveries };
};

const waitFor = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
};

const idOf = (record: DynamoDBRecord) => record.dynamodb?.Keys?.id?.S ?? '';
const ids = (records: DynamoDBRecord[] | undefined) => (records ?? []).map(idOf);
const sequenceOf = (records: DynamoDBRecord[], id: string) =>
  records.find((record) => idOf(record) === id)?.dynamodb?.SequenceNumber ?? '';

const put = (id: string, status = 'INITIATED') =>
  tables.client.send(new PutCommand({ TableName: tables.names.payments, Item: { id, status } }));

/** Several payments in one request, so that their records most likely reach the handler in one batch. */
const putAll = (...items: string[]) =>
  tables.client.send(
    new TransactWriteCommand({
      TransactItems: items.map((id) => ({
        Put: { TableName: tables.names.payments, Item: { id, status: 'INITIATED' } },
      })),
    }),
  );

describe('the local DynamoDB stream event source', () => {
  // First, while the payments table has never been written: its stream's only shard is empty.
  it('reads a shard that was empty at the start, though writes to other tables came first', async () => {
    const { deliveries, errors } = await consume(() => undefined);
    // DynamoDB Local numbers the records of all tables from one counter: the first payment's record is not 1.
    await tables.client.send(new PutCommand({ TableName: tables.names.users, Item: { pk: 'user#1' } }));

    await put('pay_first');
    await waitFor(() => deliveries.length > 0);

    expect(ids(deliveries.flat())).toEqual(['pay_first']);
    expect(BigInt(deliveries[0]![0]!.dynamodb!.SequenceNumber!)).toBeGreaterThan(1n);
    expect(errors).toEqual([]);
  });

  it('hands the handler the changes made after its start, as Lambda-shaped INSERT and MODIFY records', async () => {
    await put('pay_before');
    const { deliveries, errors } = await consume(() => undefined);

    await put('pay_1');
    await tables.client.send(
      new UpdateCommand({
        TableName: tables.names.payments,
        Key: { id: 'pay_1' },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'COMPLETED' },
      }),
    );
    await waitFor(() => deliveries.flat().length >= 2);

    const records = deliveries.flat();
    expect(ids(records)).toEqual(['pay_1', 'pay_1']);
    const shape = (eventName: string) => ({
      eventID: expect.any(String),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      dynamodb: expect.objectContaining({
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { id: { S: 'pay_1' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      }),
      eventSourceARN: source?.streamArn,
    });
    expect(records[0]).toEqual(shape('INSERT'));
    expect(records[0]?.dynamodb?.NewImage).toEqual({ id: { S: 'pay_1' }, status: { S: 'INITIATED' } });
    expect(records[0]?.dynamodb?.OldImage).toBeUndefined();
    expect(records[1]).toEqual(shape('MODIFY'));
    expect(records[1]?.dynamodb?.OldImage).toEqual({ id: { S: 'pay_1' }, status: { S: 'INITIATED' } });
    expect(records[1]?.dynamodb?.NewImage).toEqual({ id: { S: 'pay_1' }, status: { S: 'COMPLETED' } });
    expect(source?.streamArn).toContain(`table/${tables.names.payments}/stream/`);
    expect(errors).toEqual([]);
  });

  it('delivers again the record a batch reports as failed and those after it, never those before it', async () => {
    let failedOnce = false;
    const { deliveries, errors } = await consume((event) => {
      const failing = event.Records.find((record) => idOf(record) === 'pay_b');
      if (!failing || failedOnce) return { batchItemFailures: [] };
      failedOnce = true;
      return { batchItemFailures: [{ itemIdentifier: failing.dynamodb?.SequenceNumber ?? '' }] };
    });

    await putAll('pay_a', 'pay_b', 'pay_c');
    await waitFor(() => ids(deliveries.flat()).filter((id) => id === 'pay_b').length === 2);
    await waitFor(() => ids(deliveries.flat()).filter((id) => id === 'pay_c').length >= 1);
    await sleep(200);

    const failing = deliveries.findIndex((records) => ids(records).includes('pay_b'));
    const first = deliveries[failing]!;
    const retry = deliveries[failing + 1]!;
    const before = ids(first).slice(0, ids(first).indexOf('pay_b'));
    const after = ids(first).slice(ids(first).indexOf('pay_b'));
    // The retry starts at the failed record, with the same sequence number, and holds what followed it.
    expect(ids(retry).slice(0, after.length)).toEqual(after);
    expect(sequenceOf(retry, 'pay_b')).toBe(sequenceOf(first, 'pay_b'));
    for (const id of before) expect(ids(deliveries.slice(failing + 1).flat())).not.toContain(id);
    expect(ids(deliveries.flat()).filter((id) => id === 'pay_a')).toEqual(['pay_a']);
    expect(ids(deliveries.flat()).filter((id) => id === 'pay_b')).toHaveLength(2);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('come again')]);
  });

  it('discards a record that fails more than maxRetries times, with an error, and goes on with the next', async () => {
    const { deliveries, errors } = await consume((event) => {
      const poison = event.Records.find((record) => idOf(record) === 'pay_poison');
      return { batchItemFailures: poison ? [{ itemIdentifier: poison.dynamodb?.SequenceNumber ?? '' }] : [] };
    });

    await put('pay_poison');
    await put('pay_next');
    await waitFor(() => deliveries.some((records) => ids(records)[0] === 'pay_next'));
    await sleep(200);

    // One delivery and maxRetries (2) retries, then the next record comes on its own.
    expect(ids(deliveries.flat()).filter((id) => id === 'pay_poison')).toHaveLength(3);
    expect(ids(deliveries.at(-1))).toEqual(['pay_next']);
    expect(errors.at(-1)?.message).toMatch(/record \d+ of shard .* failed 3 time\(s\) and is discarded/);
  });

  it('splits a batch whose handler throws until the failing record is alone, and discards only that one', async () => {
    const { deliveries, errors } = await consume(
      (event) => {
        if (ids(event.Records).includes('pay_bad')) throw new Error('cannot push');
        return undefined;
      },
      { maxRetries: 1 },
    );

    await putAll('pay_1', 'pay_2', 'pay_bad', 'pay_3');
    // Until pay_3 is handled without pay_bad: the first batch, with all four, fails.
    await waitFor(() =>
      deliveries.some((records) => ids(records).includes('pay_3') && !ids(records).includes('pay_bad')),
    );
    await sleep(200);

    const succeeded = deliveries.filter((records) => !ids(records).includes('pay_bad')).flatMap(ids);
    expect(succeeded).toEqual(['pay_1', 'pay_2', 'pay_3']);
    // Alone, the failing record had its first try and one retry.
    expect(deliveries.filter((records) => ids(records).join() === 'pay_bad')).toHaveLength(2);
    expect(errors.at(-1)?.message).toMatch(/failed 2 time\(s\) and is discarded.*cannot push/);
  });

  it('waits for the invocation in flight when stopped', async () => {
    let finished = false;
    const { deliveries } = await consume(async () => {
      await sleep(300);
      finished = true;
    });

    await put('pay_slow');
    await waitFor(() => deliveries.length === 1);
    await source?.stop();

    expect(finished).toBe(true);
  });
});
