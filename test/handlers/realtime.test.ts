import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as authorize } from '../../functions/ws-authorizer/handler';
import { handler as connect } from '../../functions/ws-connect/handler';
import { handler as message } from '../../functions/ws-default/handler';
import { handler as disconnect } from '../../functions/ws-disconnect/handler';
import { handler as notifier } from '../../functions/notifier/handler';
import { handler as revokeToken } from '../../functions/tokens-delete/handler';
import { handler as revokeAllTokens } from '../../functions/tokens-delete-all/handler';
import type { WebSocketEvent } from '../../functions/lib/websocket';
import { issueToken } from '../../shared/security/tokens';
import { httpEvent, lambdaContext, userPrincipal } from '../support/http-event';
import { samplePayment } from '../support/payment-fixture';

const dynamo = mockClient(DynamoDBDocumentClient);
const connections = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);

const wsEvent = (routeKey: string, connectionId: string, extra: Partial<WebSocketEvent> = {}): WebSocketEvent => ({
  requestContext: {
    routeKey,
    connectionId,
    eventType: routeKey === '$connect' ? 'CONNECT' : 'MESSAGE',
    stage: '$default',
    requestId: 'r',
    domainName: 'ws.example.com',
    apiId: 'api',
    connectedAt: 0,
    requestTimeEpoch: 0,
    messageId: 'm',
    extendedRequestId: 'e',
    requestTime: '',
    messageDirection: 'IN',
  },
  isBase64Encoded: false,
  ...extra,
});

const payment = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...samplePayment(overrides) });

const FAR = '2100-01-01T00:00:00.000Z';

/** Every connection was opened with `tok_live`, which is live, unless given another; `tok_gone` was revoked. */
const connectionTokens = new Map<string, string>();
const connectionItem = (connectionId: string) => ({
  connectionId,
  userId: 'usr_ada',
  tokenId: connectionTokens.get(connectionId) ?? 'tok_live',
  connectedAt: 'x',
  expiresAt: 1n,
});
const liveToken = { id: 'tok_live', userId: 'usr_ada', hash: 'h', createdAt: 'x', expiresAt: FAR };

/** Connections and tokens, read one by one (by `$default`) or a batch at a time (by the notifier). */
const givenConnectionsAndTokens = () => {
  connectionTokens.clear();
  dynamo
    .on(GetCommand, { TableName: 'connections' })
    .callsFake((input: { Key: { connectionId: string } }) => ({ Item: connectionItem(input.Key.connectionId) }));
  dynamo.on(GetCommand, { TableName: 'tokens', Key: { id: 'tok_live' } }).resolves({ Item: liveToken });
  dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
    Responses: {
      connections: (input.RequestItems?.connections?.Keys ?? []).map(({ connectionId }) =>
        connectionItem(connectionId as string),
      ),
      tokens: (input.RequestItems?.tokens?.Keys ?? []).flatMap(({ id }) => (id === 'tok_live' ? [liveToken] : [])),
    },
  }));
};

beforeEach(() => {
  dynamo.reset();
  connections.reset();
  sqs.reset();
  eventBridge.reset();
  dynamo.on(PutCommand).resolves({});
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [] });
  dynamo.on(GetCommand).resolves({});
  givenConnectionsAndTokens();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(UpdateCommand).resolves({});
});

describe('$connect authorizer', () => {
  const authorizerEvent = (token?: string) =>
    ({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/dev/$connect',
      ...(token === undefined ? {} : { queryStringParameters: { token } }),
    }) as never;

  it.each([
    ['no token', undefined],
    ['a garbled token', 'nonsense'],
    ['a revoked token', issueToken().token],
  ])('fails with exactly "Unauthorized" for %s, which API Gateway answers 401', async (_case, token) => {
    await expect(authorize(authorizerEvent(token), lambdaContext())).rejects.toThrow(/^Unauthorized$/);
  });

  it('allows a live token on this $connect only, handing its user on as context', async () => {
    const { id, token, hash } = issueToken();
    dynamo
      .on(GetCommand, { Key: { id } })
      .resolves({ Item: { id, userId: 'usr_ada', hash, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: FAR } });
    dynamo.on(GetCommand, { Key: { pk: 'user#usr_ada' } }).resolves({
      Item: {
        pk: 'user#usr_ada',
        id: 'usr_ada',
        email: 'a@b.co',
        role: 'user',
        createdAt: '2026-01-01T00:00:00.000Z',
        passwordHash: 'x',
      },
    });

    const result = await authorize(authorizerEvent(token), lambdaContext());

    expect(result).toEqual({
      principalId: 'usr_ada',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:us-east-1:123456789012:api/dev/$connect',
          },
        ],
      },
      context: { userId: 'usr_ada', role: 'user', tokenId: id },
    });
  });
});

describe('$connect', () => {
  it('refuses with 401 and stores nothing without the authorizer’s context', async () => {
    const result = await connect(wsEvent('$connect', 'c1'), lambdaContext());

    expect(result).toEqual({ statusCode: 401 });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('remembers the connection with the authorized user, its token and a TTL past two hours', async () => {
    dynamo.on(PutCommand).resolves({});
    const event = wsEvent('$connect', 'conn-1');
    event.requestContext.authorizer = { principalId: 'usr_ada', userId: 'usr_ada', role: 'user', tokenId: 'tok_1' };

    const result = await connect(event, lambdaContext());

    expect(result).toEqual({ statusCode: 200 });
    const item = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(item).toMatchObject({ connectionId: 'conn-1', userId: 'usr_ada', tokenId: 'tok_1' });
    expect(Number(item.expiresAt) - Date.now() / 1000).toBeGreaterThan(2 * 60 * 60);
  });
});

describe('$disconnect', () => {
  it('forgets the connection', async () => {
    dynamo.on(DeleteCommand).resolves({});

    await disconnect(wsEvent('$disconnect', 'conn-9'), lambdaContext());

    expect(dynamo.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ connectionId: 'conn-9' });
  });
});

describe('$default', () => {
  const reply = async (body: string | undefined) => {
    const result = (await message(
      wsEvent('$default', 'conn-1', body === undefined ? {} : { body }),
      lambdaContext(),
    )) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    return JSON.parse(result.body) as Record<string, unknown>;
  };

  beforeEach(() => {
    dynamo.on(GetCommand, { Key: { connectionId: 'conn-1' } }).resolves({
      Item: { connectionId: 'conn-1', userId: 'usr_ada', tokenId: 'tok_live', connectedAt: 'x', expiresAt: 1n },
    });
  });

  it.each([
    ['bad JSON', '{"action":', 'invalid_json'],
    ['no action', '{"paymentId":"pay_1"}', 'validation_error'],
    ['an unknown action', '{"action":"unsubscribe"}', 'unknown_action'],
    ['a subscribe without a payment id', '{"action":"subscribe"}', 'validation_error'],
  ])('answers %s with an error message and keeps the connection', async (_case, body, code) => {
    expect(await reply(body)).toMatchObject({ type: 'error', code, message: expect.any(String) });
  });

  it('answers a subscribe to another user’s payment as not found', async () => {
    dynamo
      .on(GetCommand, { Key: { id: 'pay_x' } })
      .resolves({ Item: payment({ id: 'pay_x', sourceOwnerId: 'usr_eve', destinationOwnerId: 'usr_bob' }) });

    expect(await reply('{"action":"subscribe","paymentId":"pay_x"}')).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
  });

  it('pushes, on resume, every event after the one named, in order and shaped as live pushes, and answers nothing more', async () => {
    const events = [
      { id: 'evt_01jd0000000000000000000002', status: 'COMPLETED', type: 'payment.completed' },
      { id: 'evt_01jd0000000000000000000003', status: 'FAILED', type: 'payment.failed' },
    ];
    dynamo
      .on(QueryCommand, { IndexName: 'byPayer' })
      .resolves({ Items: [{ id: events[1]!.id, type: events[1]!.type }] });
    dynamo
      .on(QueryCommand, { IndexName: 'byPayee' })
      .resolves({ Items: [{ id: events[0]!.id, type: events[0]!.type }] });
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        events: events.map(({ id, status, type }) => ({
          id,
          type,
          createdAt: '2026-01-01T00:00:01.000Z',
          payment: payment({ id: `pay_${id.slice(-1)}`, status }),
        })),
      },
    });
    connections.on(PostToConnectionCommand).resolves({});

    const result = await message(
      wsEvent('$default', 'conn-1', { body: '{"action":"resume","after":"evt_01jd0000000000000000000001"}' }),
      lambdaContext(),
    );

    expect(result).toEqual({ statusCode: 200 });
    const pushed = connections
      .commandCalls(PostToConnectionCommand)
      .map((c) => JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString()) as Record<string, unknown>);
    expect(pushed).toEqual([
      { type: 'payment.completed', event: events[0]!.id, payment: expect.objectContaining({ id: 'pay_2' }) },
      { type: 'payment.failed', event: events[1]!.id, payment: expect.objectContaining({ id: 'pay_3' }) },
    ]);
    expect(
      connections.commandCalls(PostToConnectionCommand).every((c) => c.args[0].input.ConnectionId === 'conn-1'),
    ).toBe(true);
    expect(
      dynamo
        .commandCalls(QueryCommand)
        .map((c) => [c.args[0].input.IndexName, c.args[0].input.ExpressionAttributeValues]),
    ).toEqual([
      ['byPayer', { ':key': 'usr_ada', ':above': 'evt_01jd0000000000000000000001' }],
      ['byPayee', { ':key': 'usr_ada', ':above': 'evt_01jd0000000000000000000001' }],
    ]);
  });

  it.each(['{"action":"resume"}', '{"action":"resume","after":"pay_01jd0000000000000000000001"}'])(
    'answers a resume without an event id (%s) with a validation error',
    async (body) => {
      expect(await reply(body)).toMatchObject({ type: 'error', code: 'validation_error' });
      expect(connections.commandCalls(PostToConnectionCommand)).toHaveLength(0);
    },
  );

  it('serves no connection whose token was revoked', async () => {
    dynamo.on(GetCommand, { Key: { connectionId: 'conn-1' } }).resolves({
      Item: { connectionId: 'conn-1', userId: 'usr_ada', tokenId: 'tok_gone', connectedAt: 'x', expiresAt: 1n },
    });
    dynamo.on(GetCommand, { Key: { id: 'pay_y' } }).resolves({ Item: payment({ id: 'pay_y' }) });

    expect(await reply('{"action":"subscribe","paymentId":"pay_y"}')).toMatchObject({
      type: 'error',
      code: 'unauthorized',
    });
  });

  it('answers a subscribe by the payee of a FAILED payment as not found', async () => {
    dynamo.on(GetCommand, { Key: { id: 'pay_f' } }).resolves({
      Item: payment({ id: 'pay_f', status: 'FAILED', sourceOwnerId: 'usr_bob', destinationOwnerId: 'usr_ada' }),
    });

    expect(await reply('{"action":"subscribe","paymentId":"pay_f"}')).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
  });

  it('answers a subscribe with the payment’s current state, finished or not', async () => {
    dynamo.on(GetCommand, { Key: { id: 'pay_y' } }).resolves({ Item: payment({ id: 'pay_y' }) });

    expect(await reply('{"action":"subscribe","paymentId":"pay_y"}')).toEqual({
      type: 'subscribed',
      payment: expect.objectContaining({ id: 'pay_y', status: 'COMPLETED', amount: 100, fee: 1 }),
    });
  });
});

describe('notifier', () => {
  const record = (
    sequence: string,
    oldImage: Record<string, unknown> | undefined,
    newImage: Record<string, unknown>,
  ) => ({
    eventID: sequence,
    eventName: oldImage ? ('MODIFY' as const) : ('INSERT' as const),
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: sequence,
      ...(oldImage ? { OldImage: marshall(oldImage, { removeUndefinedValues: true }) as never } : {}),
      NewImage: marshall(newImage, { removeUndefinedValues: true }) as never,
    },
  });
  const stream = (...records: ReturnType<typeof record>[]): DynamoDBStreamEvent => ({ Records: records });
  const connectionsOf = (userId: string, ids: string[]) =>
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':userId': userId } })
      .resolves({ Items: ids.map((connectionId) => ({ connectionId, userId })) });

  it('pushes a completed payment to every connection of its payer and payee, and to nobody else', async () => {
    connectionsOf('usr_ada', ['a1', 'a2']);
    connectionsOf('usr_bob', ['b1']);
    connections.on(PostToConnectionCommand).resolves({});

    const result = await notifier(stream(record('1', payment({ status: 'INITIATED' }), payment())), lambdaContext());

    expect(result).toEqual({ batchItemFailures: [] });
    const sent = connections.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => input.ConnectionId).sort()).toEqual(['a1', 'a2', 'b1']);
    expect(JSON.parse(Buffer.from(sent[0]!.Data as Uint8Array).toString())).toMatchObject({
      type: 'payment.completed',
      payment: { id: payment().id, status: 'COMPLETED' },
    });
    expect(
      dynamo
        .commandCalls(QueryCommand)
        .map((call) => call.args[0].input.ExpressionAttributeValues?.[':userId'])
        .sort(),
    ).toEqual(['usr_ada', 'usr_bob']);
  });

  it('pushes a FAILED payment to its payer only: the payee never sees it', async () => {
    connectionsOf('usr_ada', ['a1']);
    connectionsOf('usr_bob', ['b1']);
    connections.on(PostToConnectionCommand).resolves({});
    const failed = payment({ status: 'FAILED', failureReason: 'insufficient_funds' });

    await notifier(stream(record('1', payment({ status: 'INITIATED' }), failed)), lambdaContext());

    const sent = connections.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId);
    expect(sent).toEqual(['a1']);
  });

  it('pushes nothing to a connection whose token was revoked, and closes it', async () => {
    connectionsOf('usr_ada', ['a1', 'stale']);
    connectionTokens.set('stale', 'tok_gone');
    connections.on(PostToConnectionCommand).resolves({});
    connections.on(DeleteConnectionCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});

    await notifier(stream(record('1', payment({ status: 'INITIATED' }), payment())), lambdaContext());

    expect(connections.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input.ConnectionId)).toEqual([
      'a1',
    ]);
    expect(connections.commandCalls(DeleteConnectionCommand)[0]!.args[0].input).toEqual({ ConnectionId: 'stale' });
    expect(dynamo.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ connectionId: 'stale' });
  });

  it('pushes nothing for a payment that is created or stays INITIATED', async () => {
    await notifier(stream(record('1', undefined, payment({ status: 'INITIATED' }))), lambdaContext());

    expect(connections.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('forgets a connection that API Gateway says is gone (410)', async () => {
    connectionsOf('usr_ada', ['stale']);
    connections.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    dynamo.on(DeleteCommand).resolves({});

    const result = await notifier(
      stream(
        record(
          '1',
          payment({ status: 'INITIATED' }),
          payment({ status: 'FAILED', failureReason: 'insufficient_funds', destinationOwnerId: undefined }),
        ),
      ),
      lambdaContext(),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ connectionId: 'stale' });
  });

  it('reports the first record whose push failed otherwise, so the stream delivers it again', async () => {
    connectionsOf('usr_ada', ['a1']);
    connections.on(PostToConnectionCommand).rejectsOnce(new Error('throttled')).resolves({});

    const result = await notifier(
      stream(
        record('7', payment({ status: 'INITIATED' }), payment()),
        record('8', payment({ status: 'INITIATED' }), payment()),
      ),
      lambdaContext(),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
  });

  it('logs the event once with a conditional put, and pushes it with the event id', async () => {
    connectionsOf('usr_ada', ['a1']);
    connections.on(PostToConnectionCommand).resolves({});

    await notifier(stream(record('1', payment({ status: 'INITIATED' }), payment())), lambdaContext());

    const put = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.TableName === 'events')!.args[0].input;
    expect(put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(id)',
      Item: {
        id: expect.stringMatching(/^evt_[0-9a-z]{26}$/),
        type: 'payment.completed',
        createdAt: payment().updatedAt,
        paymentId: payment().id,
        payerId: 'usr_ada',
        payeeId: 'usr_bob',
        expiresAt: Date.parse(samplePayment().updatedAt) / 1000 + 30 * 24 * 60 * 60,
      },
    });
    const pushed = JSON.parse(
      Buffer.from(connections.commandCalls(PostToConnectionCommand)[0]!.args[0].input.Data as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(pushed).toMatchObject({ type: 'payment.completed', event: put.Item!.id });
  });

  it('treats a redelivered record as the same event: nothing new is written, the push carries the same id', async () => {
    connectionsOf('usr_ada', ['a1']);
    connections.on(PostToConnectionCommand).resolves({});
    const event = stream(record('1', payment({ status: 'INITIATED' }), payment()));

    await notifier(event, lambdaContext());
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const again = await notifier(event, lambdaContext());

    expect(again).toEqual({ batchItemFailures: [] });
    const ids = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item!.id as string);
    const pushed = connections
      .commandCalls(PostToConnectionCommand)
      .map((c) => (JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString()) as { event: string }).event);
    expect(new Set(ids).size).toBe(1);
    expect(pushed).toEqual([ids[0], ids[0]]);
  });

  it('pushes a failed payment to its payer’s connections, never to its payee’s', async () => {
    connectionsOf('usr_ada', ['a1']);
    connectionsOf('usr_bob', ['b1']);
    connections.on(PostToConnectionCommand).resolves({});

    await notifier(
      stream(
        record(
          '1',
          payment({ status: 'INITIATED' }),
          payment({ status: 'FAILED', failureReason: 'insufficient_funds' }),
        ),
      ),
      lambdaContext(),
    );

    expect(connections.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId)).toEqual(['a1']);
    const logged = dynamo.commandCalls(PutCommand).find((c) => c.args[0].input.TableName === 'events')!.args[0].input;
    expect(logged.Item).toMatchObject({ type: 'payment.failed', payerId: 'usr_ada' });
    expect(logged.Item).not.toHaveProperty('payeeId');
  });

  it('queues one delivery to each endpoint that wants the event, and none to the others, and puts it on no bus here', async () => {
    const endpoint = (id: string, ownerId: string, events: string[], scope = 'own') => ({
      id,
      ownerId,
      scope,
      url: `https://hooks.example.com/${id}`,
      events,
      description: '',
      status: 'enabled',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    dynamo.on(QueryCommand, { IndexName: 'byOwner', ExpressionAttributeValues: { ':key': 'usr_bob' } }).resolves({
      Items: [
        endpoint('whk_wants', 'usr_bob', ['payment.completed']),
        endpoint('whk_other', 'usr_bob', ['payment.failed']),
      ],
    });
    dynamo.on(QueryCommand, { IndexName: 'receivesAll' }).resolves({
      Items: [endpoint('whk_ops', 'usr_ops', ['payment.completed'], 'all')],
    });

    await notifier(stream(record('1', payment({ status: 'INITIATED' }), payment())), lambdaContext());

    const deliveries = dynamo.commandCalls(PutCommand).filter((c) => c.args[0].input.TableName === 'deliveries');
    expect(deliveries.map((c) => c.args[0].input.Item!.webhookId).sort()).toEqual(['whk_ops', 'whk_wants']);
    expect(deliveries.every((c) => c.args[0].input.ConditionExpression === 'attribute_not_exists(id)')).toBe(true);
    const queued = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((entry) => JSON.parse(entry.MessageBody!) as Record<string, string>);
    expect(queued.map((m) => m.webhookId).sort()).toEqual(['whk_ops', 'whk_wants']);
    expect(queued[0]).toEqual({
      webhookId: expect.any(String),
      deliveryId: expect.stringMatching(/^dlv_/),
      paymentId: payment().id,
      eventId: expect.stringMatching(/^evt_/),
    });
    expect(eventBridge.calls()).toHaveLength(0);
  });
});

describe('revoking tokens', () => {
  const ada = userPrincipal({ userId: 'usr_ada', tokenId: 'tok_live' });
  const opened = (tokenId: string, ids: string[]) =>
    dynamo
      .on(QueryCommand, { IndexName: 'byToken', ExpressionAttributeValues: { ':tokenId': tokenId } })
      .resolves({ Items: ids.map((connectionId) => ({ connectionId, tokenId })) });

  beforeEach(() => {
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    connections.on(DeleteConnectionCommand).resolves({});
  });

  it('closes every connection opened with the revoked token through @connections, and no other', async () => {
    opened('tok_01jd0000000000000000000009', ['c1', 'c2']);

    const response = await revokeToken(
      httpEvent({
        method: 'DELETE',
        path: '/v1/tokens/tok_01jd0000000000000000000009',
        params: { id: 'tok_01jd0000000000000000000009' },
        principal: ada,
      }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(204);
    const closed = connections.commandCalls(DeleteConnectionCommand).map((call) => call.args[0].input.ConnectionId);
    expect(closed.sort()).toEqual(['c1', 'c2']);
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([
      { connectionId: 'c1' },
      { connectionId: 'c2' },
    ]);
  });

  it('closes the connections of every token of the caller on DELETE /v1/tokens', async () => {
    dynamo.on(GetCommand, { TableName: 'tokens', Key: { id: 'user#usr_ada' } }).resolves({
      Item: { id: 'user#usr_ada', version: 2n, live: { tok_live: 4_102_444_800_000n, tok_other: 4_102_444_800_000n } },
    });
    opened('tok_live', ['c1']);
    opened('tok_other', ['c2']);

    const response = await revokeAllTokens(
      httpEvent({ method: 'DELETE', path: '/v1/tokens', principal: ada }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(204);
    const deleted = dynamo
      .commandCalls(TransactWriteCommand)
      .map((call) => call.args[0].input.TransactItems![0]!.Delete!.Key);
    expect(deleted).toEqual([{ id: 'tok_live' }, { id: 'tok_other' }]);
    const closed = connections.commandCalls(DeleteConnectionCommand).map((call) => call.args[0].input.ConnectionId);
    expect(closed.sort()).toEqual(['c1', 'c2']);
  });
});
