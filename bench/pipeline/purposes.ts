import type { MeteredRequest } from './meter';

/**
 * What each request of a transfer is for, as the request list explains it: keyed by who makes it, the operation and
 * the table (and index) it names first.
 */
const PURPOSES: Record<string, string> = {
  'authorizer Invoke': "API Gateway's authorizer, before every route",
  'authorizer GetItem tokens': "the bearer token's record: its hash, expiry and user",
  'authorizer GetItem users': "the token's user: role and emailVerified",
  'authorizer UpdateItem tokens': "the token's lastUsedAt, at most once a minute",
  'payments-create Invoke': 'the route POST /v1/payments',
  'payments-create GetItem idempotency': 'an earlier request with this Idempotency-Key?',
  'payments-create GetItem accounts': 'a wallet of the transfer: owner, currency, status',
  'payments-create BatchGetItem accounts': "the transfer's two wallets: owner, currency, status",
  'payments-create PutItem idempotency': 'claims the Idempotency-Key (conditional put)',
  'payments-create PutItem payments': 'stores the payment, INITIATED, with its index entries',
  'payments-create SendMessageBatch': 'queues `{ paymentId }` for the processor',
  'payments -> processor ReceiveMessage': 'the event source receives a batch',
  'payments -> processor DeleteMessageBatch': 'the event source deletes what the processor handled',
  'processor Invoke': 'a batch of queued payments',
  'processor GetItem payments': 'the payment, still INITIATED?',
  'processor BatchGetItem payments': "the batch's payments, still INITIATED?",
  'processor BatchGetItem accounts': 'the heads of the chains it moves (payer, payee, a tech-fees shard)',
  'processor TransactWriteItems payments':
    'the payment COMPLETED (and its push claimed, if someone listens), its heads moved on condition, its four ' +
    "operations appended: one transaction for the batch's payments",
  'processor Query connections/byUser': "a party's open WebSocket connections, read while the heads are",
  'processor BatchGetItem connections': "those connections' records: the token each was opened with",
  'processor BatchGetItem tokens': 'those tokens, still live?',
  'processor PostToConnection': 'the push, as soon as the transaction commits',
  'processor TransactWriteItems events': "the events, stored as pushed (one transaction for the batch's)",
  'notifier BatchGetItem events': "the batch's events: stored, and pushed by the processor?",
  'payments stream -> notifier GetRecords': "the event source reads the payments table's stream",
  'notifier Invoke': 'a batch of stream records',
  'notifier PutItem events': 'the event, written once (conditional put)',
  'notifier Query webhooks/receivesAll': "operators' endpoints, which receive every event",
  'notifier Query webhooks/byOwner': "a party's own endpoints",
  'notifier Query connections/byUser': "a party's open WebSocket connections",
  'notifier GetItem connections': "a connection's record: the token it was opened with",
  'notifier GetItem tokens': 'that token, still live?',
  'notifier PostToConnection': 'the push',
};

const tableOf = (entry: MeteredRequest): string => {
  const first = (entry.items[0] ?? '').split(' ').at(-1) ?? '';
  return first.split(':')[0] ?? '';
};

export const purposeOf = (entry: MeteredRequest): string => {
  const by = entry.functionName ?? '';
  return PURPOSES[`${by} ${entry.operation} ${tableOf(entry)}`] ?? PURPOSES[`${by} ${entry.operation}`] ?? '';
};
