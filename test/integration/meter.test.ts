import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { invoke } from '../../infra/local/lambda-runtime';
import { type Meter, startMeter } from '../../bench/pipeline/meter';
import { createQueues } from '../../infra/local/queues';
import { type LocalSqs, startSqs } from '../../infra/local/sqs';
import { createDocumentClient } from '../../shared/adapters/client';
import { createTestTables, type TestTables } from '../support/dynamo';

let tables: TestTables;
let meter: Meter;
let sqs: LocalSqs;

beforeAll(async () => {
  tables = await createTestTables();
  meter = await startMeter({ target: process.env.TEST_DYNAMODB_ENDPOINT ?? '', tableNames: tables.names });
  sqs = await startSqs();
}, 30_000);

afterAll(async () => {
  await meter.stop();
  await sqs.stop();
  tables.destroy();
});

const meteredClient = () =>
  createDocumentClient({ endpoint: meter.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

describe("the pipeline benchmark's meter", () => {
  it('counts each DynamoDB request by the function whose invocation made it, with the units DynamoDB reports', async () => {
    const client = meteredClient();
    const since = meter.reading().seq;
    const table = tables.names.idempotency;

    const handler = async () => {
      await client.send(new PutCommand({ TableName: table, Item: { key: 'metered#1', paymentId: 'pay_1' } }));
      const { Item } = await client.send(new GetCommand({ TableName: table, Key: { key: 'metered#1' } }));
      return Item;
    };
    const answered = await invoke(handler, 'payments-create', {}).outcome;
    await client.send(new GetCommand({ TableName: table, Key: { key: 'metered#1' } }));
    client.destroy();

    expect(answered).toEqual({ key: 'metered#1', paymentId: 'pay_1' });
    const { trace, rows, invocations } = meter.reading(since);
    expect(trace.map((entry) => [entry.functionName, entry.service, entry.operation, entry.items])).toEqual([
      ['payments-create', 'lambda', 'Invoke', []],
      ['payments-create', 'dynamodb', 'PutItem', ['idempotency:metered#1']],
      ['payments-create', 'dynamodb', 'GetItem', ['idempotency:metered#1']],
      [undefined, 'dynamodb', 'GetItem', ['idempotency:metered#1']],
    ]);
    expect(trace.find((entry) => entry.operation === 'PutItem')).toMatchObject({ writeUnits: 1, readUnits: 0 });
    expect(trace.filter((entry) => entry.operation === 'GetItem').map((entry) => entry.readUnits)).toEqual([0.5, 0.5]);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ functionName: 'payments-create', operation: 'GetItem', requests: 1 }),
      ]),
    );
    expect(invocations).toEqual(
      expect.arrayContaining([expect.objectContaining({ functionName: 'payments-create', count: 1, failed: 0 })]),
    );
  });

  it('counts every item of a transaction at 2 write units, and a refused write as refused', async () => {
    const client = meteredClient();
    const since = meter.reading().seq;
    const table = tables.names.idempotency;
    const put = (key: string) => ({
      Put: {
        TableName: table,
        Item: { key },
        ConditionExpression: 'attribute_not_exists(#k)',
        ExpressionAttributeNames: { '#k': 'key' },
      },
    });

    await client.send(new TransactWriteCommand({ TransactItems: [put('tx#1'), put('tx#2'), put('tx#3')] }));
    await expect(client.send(new TransactWriteCommand({ TransactItems: [put('tx#1')] }))).rejects.toThrow();
    client.destroy();

    const [committed, refused] = meter.reading(since).trace;
    expect(committed).toMatchObject({ operation: 'TransactWriteItems', failed: false });
    expect(committed?.items).toEqual(['Put idempotency:tx#1', 'Put idempotency:tx#2', 'Put idempotency:tx#3']);
    expect(refused).toMatchObject({ operation: 'TransactWriteItems', failed: true });
    const row = meter
      .reading(since)
      .rows.find((r) => r.operation === 'TransactWriteItems' && r.functionName === undefined);
    expect(row?.writeUnitsPerItem).toBe(6);
  });

  it('counts SQS requests made inside an invocation by that function', async () => {
    const client = new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const { metered } = await createQueues(client, { metered: { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 } });
    const since = meter.reading().seq;

    await invoke(
      () => client.send(new SendMessageCommand({ QueueUrl: metered.url, MessageBody: '{}' })),
      'payments-create',
      {},
    ).outcome;
    client.destroy();

    expect(meter.reading(since).trace.map((entry) => [entry.functionName, entry.service, entry.operation])).toEqual([
      ['payments-create', 'lambda', 'Invoke'],
      ['payments-create', 'sqs', 'SendMessage'],
    ]);
  });
});
