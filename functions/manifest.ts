/**
 * The manifest of every function and HTTP route. The CDK app builds Lambdas, grants and API routes from
 * it; the local stack serves the same routes with the same handlers. Neither can drift from the other.
 */
import type { TableName } from '../shared/db/tables';
import { contracts } from './contracts';
import type { RouteContract } from './lib/contract';

/**
 * The DynamoDB actions a function performs on a table, and the only ones the CDK app grants it: a transaction needs
 * the action of each of its items (a Put, PutItem), a query of an index Query on that index.
 */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';
export type TableAccess = readonly TableAction[];

/** Reading by key, in batches and through queries: what every listing and lookup does. */
const read = ['GetItem', 'BatchGetItem', 'Query'] as const satisfies TableAccess;

/** Queues, as plain data: the CDK app and the local stack's event source both build from it. */
export const queues = {
  /** `{ paymentId }` messages: a trigger only, since DynamoDB holds the truth and the sweeper re-drives. */
  payments: {
    envVar: 'PAYMENTS_QUEUE_URL',
    /** At least six times the processor's timeout, as AWS advises for Lambda event sources. */
    visibilityTimeoutSeconds: 60,
    /** Deliveries before a message moves to the dead-letter queue. */
    maxReceiveCount: 5,
  },
} as const;

export type QueueName = keyof typeof queues;

/**
 * Operator settings, each read from one environment variable by the functions that declare it; unset means the
 * default. The CDK app sets a variable from the context value of the same setting (`-c tokenLifetimeDays=30`).
 */
export const settings = {
  /** Days an API token works after it is issued. */
  tokenLifetimeDays: { envVar: 'TOKEN_LIFETIME_DAYS', fallback: 90 },
} as const;

export type SettingName = keyof typeof settings;

/**
 * How a function that `sendsMail` learns its sender address and SES configuration set (none locally); the CDK app sets
 * both from context and grants SES sending from that identity only.
 */
export const mail = { fromEnvVar: 'MAIL_FROM', configurationSetEnvVar: 'MAIL_CONFIGURATION_SET' } as const;

export interface FunctionSpec {
  /** Path of the handler module, relative to the project root; it exports `handler`. */
  entry: string;
  description: string;
  tables: Partial<Record<TableName, TableAccess>>;
  /** Queues the function sends to. */
  sends?: readonly QueueName[];
  /** An SQS event source, with partial batch responses. */
  consumes?: { queue: QueueName; batchSize: number; maxBatchingWindowSeconds: number };
  /** Runs on a schedule. */
  schedule?: { everyMinutes: number };
  /**
   * Reads a table's DynamoDB stream, with partial batch responses: a failed record and those after it come again;
   * the event source bisects a failing batch and sends what keeps failing to an on-failure destination.
   */
  stream?: { table: TableName; batchSize: number; maxRetries: number };
  /** Calls the WebSocket API's `@connections` management API, whose endpoint it reads from WEBSOCKET_ENDPOINT. */
  postsToConnections?: true;
  /** The operator settings it reads. */
  settings?: readonly SettingName[];
  /** Sends email through Amazon SES v2 (the local mail catcher on the local stack). */
  sendsMail?: true;
  timeoutSeconds?: number;
}

/** A route of the HTTP API: its contract, which says what the CDK app and the local stack need to serve it. */
export type RouteSpec = RouteContract;

const fn = (
  name: string,
  description: string,
  tables: FunctionSpec['tables'],
  extra: Omit<FunctionSpec, 'entry' | 'description' | 'tables'> = {},
): FunctionSpec => ({ entry: `functions/${name}/handler.ts`, description, tables, ...extra });

// Reading an account answers its balance, which is the head of its chain of operations.
const accountsRead = { accounts: read, operations: read } as const;
// Creating a payment checks both accounts, creates technical accounts on first use and claims its idempotency key;
// a retry reads the claim and the payment it names.
const paymentsCreate = {
  accounts: ['GetItem', 'PutItem'],
  payments: ['GetItem', 'PutItem'],
  idempotency: ['GetItem', 'PutItem'],
} as const satisfies FunctionSpec['tables'];

export const functions = {
  authorizer: fn('authorizer', 'Resolves a bearer token to its user for API Gateway', {
    // A token's `lastUsedAt` is refreshed at most once a minute.
    tokens: ['GetItem', 'UpdateItem'],
    users: ['GetItem'],
  }),
  'not-found': fn('not-found', 'Answers problem+json for any route the API does not have', {}),
  health: fn('health', 'Liveness of the API', {}),
  openapi: fn('openapi', 'Serves the OpenAPI 3.1 document', {}),
  'users-create': fn(
    'users-create',
    'Signs a user up, issues a first token and sends the confirmation email',
    // The user and its email claim in one transaction; the first token with the user's register of tokens.
    { users: ['PutItem'], tokens: ['GetItem', 'PutItem'] },
    { settings: ['tokenLifetimeDays'], sendsMail: true },
  ),
  'users-confirm': fn('users-confirm', 'Verifies an email with the token of its confirmation email', {
    users: ['GetItem', 'UpdateItem'],
  }),
  'confirmation-send': fn(
    'confirmation-send',
    'Sends the caller a new confirmation email',
    { users: ['GetItem', 'UpdateItem'] },
    { sendsMail: true },
  ),
  'tokens-create': fn(
    'tokens-create',
    'Issues a token for an email and password',
    // Users: the sign-in counter (read, counted, opened, cleared) and a password hash made again.
    { users: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], tokens: ['GetItem', 'PutItem'] },
    { settings: ['tokenLifetimeDays'] },
  ),
  'tokens-list': fn('tokens-list', "Lists the caller's tokens", { tokens: ['Query', 'BatchGetItem'] }),
  'tokens-delete': fn(
    'tokens-delete',
    'Revokes one of the caller’s tokens and closes the WebSocket connections opened with it',
    { tokens: ['GetItem', 'DeleteItem', 'UpdateItem'], connections: ['Query', 'DeleteItem'] },
    { postsToConnections: true },
  ),
  'tokens-delete-all': fn(
    'tokens-delete-all',
    'Revokes every token of the caller and closes the WebSocket connections opened with them',
    { tokens: ['GetItem', 'Query', 'DeleteItem', 'UpdateItem'], connections: ['Query', 'DeleteItem'] },
    { postsToConnections: true },
  ),
  'me-get': fn('me-get', 'Answers the calling user', { users: ['GetItem'] }),
  'accounts-create': fn('accounts-create', 'Opens a wallet for the caller', { accounts: [...read, 'PutItem'] }),
  'accounts-list': fn('accounts-list', "Lists the caller's accounts", accountsRead),
  'accounts-get': fn('accounts-get', 'Reads one account', accountsRead),
  'admin-accounts-list': fn('admin-accounts-list', 'Lists any accounts, for operators', accountsRead),
  'operations-list': fn('operations-list', "Lists an account's operations", accountsRead),
  'balance-get': fn('balance-get', "Answers an account's balance at a point in time", accountsRead),
  'fees-get': fn('fees-get', 'Answers the fee schedule', {}),
  'payments-create': fn(
    'payments-create',
    'Accepts a transfer, exchange or withdrawal and queues it',
    { ...paymentsCreate, rates: ['GetItem'] },
    { sends: ['payments'] },
  ),
  'deposits-create': fn('deposits-create', 'Accepts a bank deposit, for operators', paymentsCreate, {
    sends: ['payments'],
  }),
  'payments-get': fn('payments-get', 'Reads one payment', { payments: ['GetItem'] }),
  'payments-list': fn('payments-list', 'Lists payments', { payments: read, accounts: read }),
  'rates-list': fn('rates-list', 'Answers the exchange rates in force', { rates: ['Query'] }),
  'rates-history': fn('rates-history', "Lists a pair's rates, newest first, for operators", { rates: ['Query'] }),
  'rates-put': fn('rates-put', 'Sets the exchange rate of a pair, for operators', { rates: ['PutItem'] }),
  'reports-summary': fn(
    'reports-summary',
    'Sums commission, deposits, withdrawals and exchanges per currency over a period, for operators',
    accountsRead,
  ),
  processor: fn(
    'processor',
    'Applies queued payments to the ledger, one transaction each',
    // One transaction: the payment's update and a Put per operation, each on condition of its chain's head.
    { payments: ['GetItem', 'UpdateItem'], operations: ['Query', 'PutItem'], accounts: read },
    { consumes: { queue: 'payments', batchSize: 10, maxBatchingWindowSeconds: 0 }, timeoutSeconds: 10 },
  ),
  sweeper: fn(
    'sweeper',
    'Re-drives payments left INITIATED and fails those past their horizon',
    { payments: [...read, 'UpdateItem'] },
    { sends: ['payments'], schedule: { everyMinutes: 1 }, timeoutSeconds: 60 },
  ),
  'ws-authorizer': fn('ws-authorizer', 'Resolves the ?token= of a WebSocket upgrade, or refuses it with 401', {
    users: ['GetItem'],
    tokens: ['GetItem', 'UpdateItem'],
  }),
  'ws-connect': fn('ws-connect', 'Remembers an authorized WebSocket connection', { connections: ['PutItem'] }),
  'ws-disconnect': fn('ws-disconnect', 'Forgets a closed WebSocket connection', { connections: ['DeleteItem'] }),
  'ws-default': fn('ws-default', 'Answers WebSocket messages: subscribe to a payment', {
    connections: ['GetItem'],
    payments: ['GetItem'],
    tokens: ['GetItem'],
  }),
  notifier: fn(
    'notifier',
    'Pushes each payment reaching a final state to the connections of its payer and payee',
    // A connection whose token is gone, or that API Gateway says is gone, is forgotten.
    { connections: ['Query', 'GetItem', 'DeleteItem'], tokens: ['GetItem'] },
    { stream: { table: 'payments', batchSize: 100, maxRetries: 5 }, postsToConnections: true, timeoutSeconds: 30 },
  ),
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/** Every HTTP route, from the contracts: one per route, read by the CDK app, the local stack and the OpenAPI document. */
export const routes: readonly RouteSpec[] = contracts;

/** API Gateway sends every request no route matches to `$default`; ours answers problem+json, not `{"message"}`. */
export const defaultRoute: FunctionName = 'not-found';

/**
 * The WebSocket API's routes. Messages are routed on `$request.body.action`; every action (`subscribe`) and anything
 * else reaches `$default`, which answers on the same connection (a two-way route).
 */
export const websocketRoutes: readonly { route: '$connect' | '$disconnect' | '$default'; function: FunctionName }[] = [
  { route: '$connect', function: 'ws-connect' },
  { route: '$disconnect', function: 'ws-disconnect' },
  { route: '$default', function: 'ws-default' },
];

/**
 * The custom metrics functions publish (CloudWatch embedded metric format, through Powertools Metrics) and the
 * monitoring construct alarms on: one definition for both sides.
 */
export const telemetry = {
  namespace: 'BillingGateway',
  /** Published by the sweeper on every run: the age of the oldest payment still INITIATED, 0 when none is stale. */
  oldestInitiatedPaymentAge: { name: 'OldestInitiatedPaymentAgeSeconds', unit: 'Seconds' },
} as const;

/** The `$connect` authorizer of the WebSocket API, with its identity source: the `token` query parameter. */
export const websocketAuthorizer: FunctionName = 'ws-authorizer';

/** The function that authorizes `user` and `admin` routes. */
export const authorizer: FunctionName = 'authorizer';
