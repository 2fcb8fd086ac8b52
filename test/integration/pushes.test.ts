import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { LambdaHandler } from '../../infra/local/lambda-runtime';
import type { WebSocketEvent } from '../../infra/local/gateway-events';
import { type LocalWebSocketServer, startWebSocketServer } from '../../infra/local/websocket-server';
import { ConnectionsApiPusher } from '../../shared/adapters/connections-pusher';
import { DynamoConnectionStore } from '../../shared/adapters/connection-store';
import { SqsDeliveryQueue } from '../../shared/adapters/delivery-queue';
import { DynamoDeliveryStore } from '../../shared/adapters/delivery-store';
import { DynamoEventStore } from '../../shared/adapters/event-store';
import { reachedOf } from '../../shared/adapters/payment-stream';
import { DynamoTokenStore } from '../../shared/adapters/user-store';
import { DynamoWebhookStore } from '../../shared/adapters/webhook-store';
import { systemClock } from '../../shared/clock';
import { lookUpBatch, publishTransition, type PublishDeps, pushNow } from '../../shared/events/publish';
import { createPayment } from '../../shared/payments/create';
import type { Payment } from '../../shared/payments/model';
import { processAndPush, type ProcessorDeps, processPayments } from '../../shared/payments/process';
import { openConnection, type RealtimeDeps } from '../../shared/realtime/service';
import { issueToken } from '../../shared/security/tokens';
import type { Principal } from '../../shared/users/model';
import { eventually } from '../support/http-client';
import { ledgerHelpers, usePaymentWorld } from '../support/payments';

const world = usePaymentWorld();
const { payerAndPayee } = ledgerHelpers(world);

let server: LocalWebSocketServer;
let management: ApiGatewayManagementApiClient;
let realtime: RealtimeDeps;
let events: DynamoEventStore;
let tokens: DynamoTokenStore;
const sockets: WebSocket[] = [];

/** A publisher whose claims last `leaseMs`. */
const publisher = (leaseMs: number): PublishDeps => {
  const { db, sqsClient, queues } = world();
  return {
    events,
    bus: undefined,
    fanOut: {
      webhooks: new DynamoWebhookStore(db.client, db.names.webhooks),
      deliveries: new DynamoDeliveryStore(db.client, db.names.deliveries),
      queue: new SqsDeliveryQueue(sqsClient, () => queues['webhook-deliveries'].url),
      clock: systemClock,
    },
    realtime,
    pushLeaseMs: leaseMs,
    pause: (ms) => sleep(ms),
  };
};

const processor = (): ProcessorDeps => ({ ...world().payments, push: { events, realtime } });

beforeAll(async () => {
  const { db } = world();
  // The `$connect` authorizer and route, as the real ones do it: `?token=<user id>:<token id>` resolved, then remembered.
  const authorizer: LambdaHandler = (event) => {
    const [userId, tokenId] = (
      (event as { queryStringParameters?: { token?: string } }).queryStringParameters?.token ?? ''
    ).split(':');
    return {
      principalId: userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
      },
      context: { userId, tokenId },
    };
  };
  const connect: LambdaHandler = async (event) => {
    const { connectionId, authorizer: context } = (event as WebSocketEvent)
      .requestContext as WebSocketEvent['requestContext'] & {
      authorizer: { userId: string; tokenId: string };
    };
    await openConnection(realtime, connectionId, context);
    return { statusCode: 200 };
  };
  const ok: LambdaHandler = () => ({ statusCode: 200 });
  server = await startWebSocketServer({
    quiet: true,
    handlers: { 'ws-authorizer': authorizer, 'ws-connect': connect, 'ws-default': ok, 'ws-disconnect': ok },
  });
  management = new ApiGatewayManagementApiClient({
    endpoint: server.managementEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  events = new DynamoEventStore(db.client, db.names.events);
  tokens = new DynamoTokenStore(db.client, db.names.tokens);
  realtime = {
    connections: new DynamoConnectionStore(db.client, db.names.connections),
    tokens,
    payments: world().payments.payments,
    events,
    pusher: new ConnectionsApiPusher(management),
    clock: systemClock,
  };
}, 30_000);

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  management.destroy();
  await server.stop();
});

/** A WebSocket of `user` opened with a live token of its own: when each payment state reached it. */
const listen = async (user: Principal) => {
  const { id, hash } = issueToken();
  const now = new Date();
  const token = {
    id,
    userId: user.userId,
    name: null,
    hash,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
  };
  await tokens.insertWithin(token, 25, now);
  const socket = new WebSocket(`${server.url}?token=${encodeURIComponent(`${user.userId}:${id}`)}`);
  sockets.push(socket);
  const pushes: { paymentId: string; event: string; at: number }[] = [];
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { event?: string; payment?: { id: string } };
    if (message.event && message.payment)
      pushes.push({ paymentId: message.payment.id, event: message.event, at: Date.now() });
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pushesOf = (payment: Payment) => pushes.filter(({ paymentId }) => paymentId === payment.id);
  // `$connect` has stored the connection once the upgrade answered.
  return {
    /**
     * The pushes of the payment's states, once at least one has arrived and then a moment more, so that a second one
     * made by then has landed too.
     */
    pushesOf: async (payment: Payment) => {
      await eventually(async () => Promise.resolve(pushesOf(payment)[0]), 10_000, `a push of ${payment.id}`);
      await sleep(300);
      return pushesOf(payment);
    },
  };
};

/** The stream's record of the payment's move from INITIATED to what the table holds now, as the notifier gets it. */
const streamRecordOf = async (payment: Payment): Promise<DynamoDBRecord> => {
  const { db } = world();
  const { Item } = await db.client.send(
    new GetCommand({ TableName: db.names.payments, Key: { id: payment.id }, ConsistentRead: true }),
  );
  const image = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true }) as never;
  return {
    eventName: 'MODIFY',
    dynamodb: { OldImage: image({ ...Item, status: 'INITIATED' }), NewImage: image(Item ?? {}) },
  };
};

/** What the notifier does with the stream's record of the payment's move. */
const notify = async (deps: PublishDeps, payment: Payment) => {
  const reached = reachedOf(await streamRecordOf(payment));
  if (!reached) throw new Error(`No move of ${payment.id} in the stream`);
  return publishTransition(deps, reached, await lookUpBatch(deps, [reached]));
};

describe('pushes of payment states', () => {
  it("pushes a transfer's outcome once: at once by the processor, and not again by the notifier reading its record", async () => {
    const { ada, bob, transfer } = await payerAndPayee(10_000, 'DKK');
    const [payer, payee] = [await listen(ada), await listen(bob)];
    const payment = await createPayment(world().payments, ada, transfer(1_000));

    const { pushes } = await processAndPush(processor(), [payment.id]);
    const published = await notify(publisher(60_000), payment);

    expect(pushes).toMatchObject({ sent: 2, left: [] });
    expect(published).toMatchObject({ pushedByWriter: true, sent: 0 });
    const [toPayer, toPayee] = [await payer.pushesOf(payment), await payee.pushesOf(payment)];
    expect(toPayer.map(({ event }) => event)).toEqual([published?.eventId]);
    expect(toPayee.map(({ event }) => event)).toEqual([published?.eventId]);
    expect(await events.find(published?.eventId ?? '')).toMatchObject({ type: 'payment.completed' });
  });

  it('makes the push the processor claimed but never made once its lease is over, and not before', async () => {
    const { ada, transfer } = await payerAndPayee(10_000, 'DKK');
    const payer = await listen(ada);
    const payment = await createPayment(world().payments, ada, transfer(1_000));
    // The processor claims the push as it commits, then dies before pushing.
    await processPayments(world().payments, [payment.id], { claims: () => Promise.resolve(() => true) });
    const stored = await world().payments.payments.findById(payment.id);
    const leaseEnds = Date.parse(stored?.updatedAt ?? '') + 1_500;

    const published = await notify(publisher(1_500), payment);

    expect(published).toMatchObject({ pushedByWriter: false, sent: 1 });
    const pushes = await payer.pushesOf(payment);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.at).toBeGreaterThanOrEqual(leaseEnds);
  });

  it('leaves to the processor the push it claimed and makes within the lease, waiting for it', async () => {
    const { ada, transfer } = await payerAndPayee(10_000, 'DKK');
    const payer = await listen(ada);
    const payment = await createPayment(world().payments, ada, transfer(1_000));
    const settled = await processPayments(world().payments, [payment.id], {
      claims: () => Promise.resolve(() => true),
    });
    const moved = settled.get(payment.id);

    // The notifier reads the record before the processor, slow, has pushed.
    const notifying = notify(publisher(60_000), payment);
    await sleep(400);
    await pushNow({ events, realtime }, moved?.ok && moved.payment ? [moved.payment] : []);
    const published = await notifying;

    expect(published).toMatchObject({ pushedByWriter: true, sent: 0 });
    expect(await payer.pushesOf(payment)).toHaveLength(1);
  });

  it('pushes at once, from the stream, a state nobody claimed: no connection was open when it was processed', async () => {
    const { ada, transfer } = await payerAndPayee(10_000, 'DKK');
    const payment = await createPayment(world().payments, ada, transfer(1_000));
    const { pushes } = await processAndPush(processor(), [payment.id]);
    const payer = await listen(ada);

    const published = await notify(publisher(60_000), payment);

    expect(pushes).toMatchObject({ sent: 0 });
    expect(published).toMatchObject({ pushedByWriter: false, written: true, sent: 1 });
    expect(await payer.pushesOf(payment)).toHaveLength(1);
  });
});
