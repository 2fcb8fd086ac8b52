import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as listEvents } from '../../functions/events-list/handler';
import { handler as deliver } from '../../functions/webhook-deliverer/handler';
import { handler as listDeliveries } from '../../functions/webhook-deliveries-list/handler';
import { handler as createWebhook } from '../../functions/webhooks-create/handler';
import { handler as deleteWebhook } from '../../functions/webhooks-delete/handler';
import { handler as listWebhooks } from '../../functions/webhooks-list/handler';
import { EventBridgeBus } from '../../shared/adapters/event-bus';
import { eventOf } from '../../shared/events/model';
import { positionCursor } from '../../shared/position-cursor';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, parseResponse } from '../support/http-event';
import { ada, admin, bob, paymentItem, sqsEvent, sqsRecord } from './payment-fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  eventBridge.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [], Count: 0 });
  dynamo.on(BatchGetCommand).resolves({ Responses: {} });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

const webhookItem = (overrides: Record<string, unknown> = {}) => ({
  id: 'whk_01jd0000000000000000000001',
  ownerId: ada.userId,
  scope: 'own',
  url: 'https://hooks.example.com/billing',
  events: ['payment.completed'],
  description: '',
  status: 'enabled',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const call = async (
  handler: typeof createWebhook,
  options: Parameters<typeof httpEvent>[0] & { principal: Principal },
) => parseResponse(await handler(httpEvent(options), lambdaContext()));

describe('POST /v1/webhooks', () => {
  const register = (body: unknown, principal: Principal = ada) =>
    call(createWebhook, { method: 'POST', path: '/v1/webhooks', body, principal });

  it('answers 201 with the endpoint and its secret, which it stores and never shows again', async () => {
    const reply = await register({ url: 'https://hooks.example.com/billing', events: ['payment.completed'] });

    expect(reply).toMatchObject({
      status: 201,
      body: {
        id: expect.stringMatching(/^whk_[0-9a-z]{26}$/),
        url: 'https://hooks.example.com/billing',
        events: ['payment.completed'],
        description: '',
        status: 'enabled',
        secret: expect.stringMatching(/^whsec_/),
        createdAt: expect.any(String),
      },
    });
    expect(reply.body).not.toHaveProperty('ownerId');
    const stored = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
    expect(stored).toMatchObject({
      TableName: 'webhooks',
      Item: { ownerId: ada.userId, scope: 'own', secret: (reply.body as { secret: string }).secret },
    });
    expect(stored.Item).not.toHaveProperty('receivesAll');
  });

  it('gives an operator’s endpoint every event, through the index of endpoints that receive all', async () => {
    await register({ url: 'https://ops.example.com/hooks', events: ['payment.failed'] }, admin);

    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ scope: 'all', receivesAll: 'all' });
  });

  it.each([
    ['a private address', { url: 'https://10.0.0.1/hooks', events: ['payment.completed'] }, 'url'],
    [
      'a receiver on this machine, which only the local stack accepts',
      { url: 'http://127.0.0.1:4000/h', events: ['payment.completed'] },
      'url',
    ],
    ['no event type', { url: 'https://hooks.example.com/', events: [] }, 'events'],
    ['an unknown event type', { url: 'https://hooks.example.com/', events: ['payment.refunded'] }, 'events.0'],
    ['an unknown field', { url: 'https://hooks.example.com/', events: ['payment.failed'], secret: 'mine' }, 'secret'],
  ])('refuses %s with a 400 validation_error and stores nothing', async (_case, body, path) => {
    const reply = await register(body);

    expect(reply).toMatchObject({ status: 400, body: { code: 'validation_error', errors: [{ path }] } });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses a 21st endpoint with 422 limit_reached', async () => {
    dynamo.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 20 });

    const reply = await register({ url: 'https://hooks.example.com/billing', events: ['payment.completed'] });

    expect(reply).toMatchObject({ status: 422, body: { code: 'limit_reached' } });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('GET /v1/webhooks and DELETE /v1/webhooks/{id}', () => {
  it('lists the caller’s own endpoints without their secrets', async () => {
    dynamo.on(QueryCommand, { IndexName: 'byOwner' }).resolves({ Items: [webhookItem()] });

    const reply = await call(listWebhooks, { path: '/v1/webhooks', principal: ada });

    expect(reply.body).toEqual({
      data: [
        {
          id: webhookItem().id,
          url: webhookItem().url,
          events: ['payment.completed'],
          description: '',
          status: 'enabled',
          createdAt: webhookItem().createdAt,
        },
      ],
      nextCursor: null,
    });
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues).toEqual({
      ':ownerId': ada.userId,
    });
  });

  it('deletes the caller’s endpoint, and answers 404 for anyone else’s without touching it', async () => {
    dynamo.on(GetCommand, { Key: { id: webhookItem().id } }).resolves({ Item: webhookItem() });
    const remove = (principal: Principal) =>
      call(deleteWebhook, {
        method: 'DELETE',
        path: `/v1/webhooks/${webhookItem().id}`,
        params: { id: webhookItem().id },
        principal,
      });

    expect(await remove(bob)).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(await remove(ada)).toMatchObject({ status: 204, body: undefined });
    expect(dynamo.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({ id: webhookItem().id });
  });

  it('lists the deliveries of the caller’s endpoint only', async () => {
    dynamo.on(GetCommand, { Key: { id: webhookItem().id } }).resolves({ Item: webhookItem() });
    const list = (principal: Principal) =>
      call(listDeliveries, {
        path: `/v1/webhooks/${webhookItem().id}/deliveries`,
        params: { id: webhookItem().id },
        query: { status: 'failed' },
        principal,
      });
    dynamo.on(QueryCommand, { TableName: 'deliveries' }).resolves({
      Items: [
        {
          webhookId: webhookItem().id,
          id: 'dlv_01jd0000000000000000000001',
          eventId: 'evt_01jd0000000000000000000001',
          paymentId: 'pay_1',
          status: 'failed',
          attempts: 8n,
          lastStatusCode: 500n,
          lastError: 'The endpoint answered 500.',
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    });

    expect(await list(bob)).toMatchObject({ status: 404 });
    expect(await list(ada)).toEqual(
      expect.objectContaining({
        status: 200,
        body: {
          data: [
            {
              id: 'dlv_01jd0000000000000000000001',
              eventId: 'evt_01jd0000000000000000000001',
              status: 'failed',
              attempts: 8,
              lastStatusCode: 500,
              lastError: 'The endpoint answered 500.',
              createdAt: '2026-01-01T00:00:00.000Z',
            },
          ],
          nextCursor: null,
        },
      }),
    );
  });
});

describe('GET /v1/events', () => {
  const list = (query: Record<string, string>, principal: Principal = ada) =>
    call(listEvents, { path: '/v1/events', query, principal });

  it('reads a user’s events from the payer and payee indexes, and an operator’s from the index of all', async () => {
    await list({});
    await list({}, admin);

    const queried = dynamo
      .commandCalls(QueryCommand)
      .map((c) => [c.args[0].input.IndexName, c.args[0].input.ExpressionAttributeValues?.[':key']]);
    expect(queried).toEqual([
      ['byPayer', ada.userId],
      ['byPayee', ada.userId],
      ['all', 'event'],
    ]);
    expect(dynamo.commandCalls(QueryCommand).every((c) => c.args[0].input.Limit === 21)).toBe(true);
  });

  it('lists newest first on sort=-createdAt and starts after the event `after` names', async () => {
    await list({ sort: '-createdAt', after: 'evt_01jd0000000000000000000001' }, admin);

    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      ScanIndexForward: false,
      KeyConditionExpression: '#key = :key AND #sort > :above',
      ExpressionAttributeValues: { ':above': 'evt_01jd0000000000000000000001' },
    });
  });

  it.each([
    ['a cursor of another list', { cursor: 'garbage' }, 'cursor'],
    [
      'a cursor issued for the other order',
      { cursor: positionCursor('-createdAt', 'evt_1'), sort: 'createdAt' },
      'cursor',
    ],
    ['an unknown type', { type: 'payment.refunded' }, 'type'],
    ['an `after` that is no event id', { after: 'yesterday' }, 'after'],
    ['an unknown filter', { status: 'FAILED' }, 'status'],
  ])('refuses %s with a 400 and reads nothing', async (_case, query, path) => {
    expect(await list(query)).toMatchObject({ status: 400, body: { code: 'validation_error', errors: [{ path }] } });
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

const deliveryMessage = {
  webhookId: 'whk_01jd0000000000000000000001',
  deliveryId: 'dlv_01jd0000000000000000000001',
  paymentId: 'pay_1',
  eventId: 'evt_01jd0000000000000000000001',
};

describe('webhook deliverer', () => {
  const deliveryItem = (overrides: Record<string, unknown> = {}) => ({
    webhookId: deliveryMessage.webhookId,
    id: deliveryMessage.deliveryId,
    eventId: deliveryMessage.eventId,
    paymentId: 'pay_1',
    status: 'pending',
    attempts: 0n,
    nextAttemptAt: new Date(Date.now() - 1000).toISOString(),
    createdAt: new Date().toISOString(),
    ...overrides,
  });
  const given = (delivery: Record<string, unknown>, webhook: Record<string, unknown> = webhookItem()) => {
    dynamo.on(GetCommand, { TableName: 'deliveries' }).resolves({ Item: delivery });
    dynamo.on(GetCommand, { TableName: 'webhooks' }).resolves({ Item: webhook });
    const payment = paymentItem({ status: 'COMPLETED' });
    dynamo.on(GetCommand, { TableName: 'events' }).resolves({
      Item: { id: deliveryMessage.eventId, type: 'payment.completed', createdAt: payment.updatedAt, payment },
    });
  };
  const run = (messageId = 'm-1') =>
    deliver(sqsEvent(sqsRecord(JSON.stringify(deliveryMessage), messageId)), lambdaContext('webhook-deliverer'));

  it('never sends to an address webhooks may not reach: a failed attempt, held back 5 s for its retry', async () => {
    given(deliveryItem(), webhookItem({ url: 'https://127.0.0.1:4000/hooks' }));

    const result = await run();

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: process.env.WEBHOOK_DELIVERIES_QUEUE_URL,
      ReceiptHandle: 'receipt-m-1',
      VisibilityTimeout: 5,
    });
    const claim = dynamo
      .commandCalls(UpdateCommand)
      .find((c) => c.args[0].input.ConditionExpression?.includes('attempts'));
    expect(claim?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':made': 0, ':next': 1 });
    const settled = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues ?? {});
    expect(settled).toContainEqual(
      expect.objectContaining({ ':status': 'pending', ':lastError': expect.stringContaining('may not reach') }),
    );
  });

  it('deletes the message of a delivery already settled, as a duplicate, and attempts nothing', async () => {
    given(deliveryItem({ status: 'delivered', attempts: 1n }));

    expect(await run()).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('holds back a message that came before its attempt was due, until then', async () => {
    given(deliveryItem({ attempts: 2n, nextAttemptAt: new Date(Date.now() + 300_000).toISOString() }));

    expect(await run()).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    const hidden = sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input.VisibilityTimeout!;
    expect(hidden).toBeGreaterThan(290);
    expect(hidden).toBeLessThanOrEqual(300);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('lets a concurrent message that claimed the attempt make it, and deletes this one', async () => {
    given(deliveryItem());
    dynamo
      .on(UpdateCommand, { TableName: 'deliveries' })
      .rejects(new ConditionalCheckFailedException({ message: 'claimed', $metadata: {} }));

    expect(await run()).toEqual({ batchItemFailures: [] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('disables an endpoint that has failed every delivery for three days, and fails this delivery for good', async () => {
    const since = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000 - 1000).toISOString();
    given(deliveryItem({ attempts: 2n }), webhookItem({ url: 'https://10.0.0.1/hooks', failingSince: since }));
    dynamo.on(UpdateCommand, { TableName: 'webhooks', ReturnValues: 'ALL_NEW' }).resolves({
      Attributes: { ...webhookItem(), failingSince: since },
    });

    expect(await run()).toEqual({ batchItemFailures: [] });
    const updates = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates).toContainEqual(
      expect.objectContaining({ TableName: 'webhooks', ExpressionAttributeValues: { ':disabled': 'disabled' } }),
    );
    expect(updates.at(-1)).toMatchObject({
      TableName: 'deliveries',
      ExpressionAttributeValues: { ':status': 'failed' },
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('fails, without sending, the pending delivery of a disabled endpoint', async () => {
    given(deliveryItem(), webhookItem({ status: 'disabled' }));

    expect(await run()).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status': 'failed',
      ':lastError': 'The endpoint is disabled.',
    });
  });

  it('deletes a message that is not a delivery only after SQS gave it back enough times (never a 5xx of its own)', async () => {
    const result = await deliver(sqsEvent(sqsRecord('{"webhookId":1}', 'bad')), lambdaContext('webhook-deliverer'));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });
});

describe('the EventBridge bus', () => {
  const event = eventOf({ ...paymentItem({ status: 'COMPLETED' }), amount: 100n, fee: 1n } as never)!;

  it('puts an event with its type as detail-type and the event, as the API shows it, as detail', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });

    await new EventBridgeBus(new EventBridgeClient({}), 'bus-1').publish(event);

    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toMatchObject({ EventBusName: 'bus-1', Source: 'billing-gateway', DetailType: 'payment.completed' });
    expect(JSON.parse(entry!.Detail!)).toMatchObject({
      id: event.id,
      type: 'payment.completed',
      data: { payment: { id: event.payment.id, amount: 100 } },
    });
  });

  it('counts and throws a refused entry, so that the stream delivers the record again', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const counted = jest.fn();

    await expect(new EventBridgeBus(new EventBridgeClient({}), 'bus-1', counted).publish(event)).rejects.toThrow(
      /ThrottlingException/,
    );
    expect(counted).toHaveBeenCalledWith(1);
  });
});
