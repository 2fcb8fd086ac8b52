/**
 * The manifest of every function and HTTP route. The CDK app builds Lambdas, grants and API routes from
 * it; the local stack serves the same routes with the same handlers. Neither can drift from the other.
 */
import { type TableName, tables } from '../shared/adapters/tables';
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

export interface QueueSpec {
  /** The environment variable that carries the queue's URL to a function. */
  envVar: string;
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  /**
   * How old a message may rightly grow while it is retried; older means its consumer is failing or falling behind.
   * `maxReceiveCount` deliveries of `visibilityTimeoutSeconds` when omitted.
   */
  maxMessageAgeSeconds?: number;
}

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
  /**
   * `{ webhookId, deliveryId }` messages, one per webhook attempt due. A failed attempt's message is held back in the
   * queue until its retry is due (Standard Webhooks' schedule: 8 attempts over about 28 hours), so it is received once
   * per attempt; the dead-letter queue takes what was received far more often than that (a consumer that keeps
   * crashing), and its alarm tells an operator.
   */
  'webhook-deliveries': {
    envVar: 'WEBHOOK_DELIVERIES_QUEUE_URL',
    /** Six times the deliverer's timeout; a failed attempt sets its own, shorter or longer, up to SQS's 12 hours. */
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 20,
    /** The whole schedule (about 28 hours) and two hours more. */
    maxMessageAgeSeconds: 30 * 60 * 60,
  },
} as const satisfies Record<string, QueueSpec>;

export type QueueName = keyof typeof queues;

/** A queue's definition, with the optional fields every definition may have. */
export const queueSpec = (name: QueueName): QueueSpec => queues[name];

/** How old a message of the queue may rightly grow (`QueueSpec.maxMessageAgeSeconds`). */
export const maxMessageAgeSeconds = (name: QueueName): number => {
  const spec = queueSpec(name);
  return spec.maxMessageAgeSeconds ?? spec.maxReceiveCount * spec.visibilityTimeoutSeconds;
};

/**
 * The environment variables functions read, each named here once: with a table's (its `envVar` in shared/adapters/tables.ts)
 * and a queue's (its `envVar` above), every name the CDK constructs set, functions/lib reads and the tests use.
 */
export const environment = {
  /** The manifest name of the function a Lambda runs; its construct sets it, and cold start checks its bindings. */
  functionName: 'GATEWAY_FUNCTION',
  /** The `@connections` endpoint of the WebSocket API's stage, for a function that `postsToConnections`. */
  websocketEndpoint: 'WEBSOCKET_ENDPOINT',
  /** Fees other than the defaults, as JSON (shared/payments/fees.ts). */
  feeSchedule: 'FEE_SCHEDULE',
  /** The sweeper's horizons, in seconds: an INITIATED payment is re-driven after the one, failed after the other. */
  sweepRedriveAfterSeconds: 'SWEEP_REDRIVE_AFTER_SECONDS',
  sweepExpireAfterSeconds: 'SWEEP_EXPIRE_AFTER_SECONDS',
  /** The deployment stage, a dimension of every metric. */
  stage: 'STAGE',
  /** The stack's EventBridge bus; unset, events go on no bus (the local stack has none). */
  eventBus: 'EVENT_BUS_NAME',
  /** Seconds before each webhook retry, comma-separated; Standard Webhooks' schedule when unset. Tests shorten it. */
  webhookRetrySchedule: 'WEBHOOK_RETRY_SCHEDULE_SECONDS',
  /** How long an endpoint fails every delivery before it is disabled, in seconds; 3 days when unset. */
  webhookDisableAfter: 'WEBHOOK_DISABLE_AFTER_SECONDS',
  /** `true` lets webhooks reach 127.0.0.1 and localhost over http: the local stack's receivers. Never set on AWS. */
  webhookAllowLoopback: 'WEBHOOK_ALLOW_LOOPBACK',
  /** `true` delivers webhooks to this machine only, whatever URL was registered: runs that must reach nothing else. */
  webhookLoopbackOnly: 'WEBHOOK_LOOPBACK_ONLY',
  /**
   * `fast` hashes passwords at scrypt N=2^10 instead of OWASP's 2^17: the test stacks' setting, where a sign-up or
   * sign-in at full cost is half a CPU second. Refused on Lambda (a function will not start with it); never set on AWS.
   */
  testPasswordHashing: 'TEST_PASSWORD_HASHING',
} as const;

/**
 * The variables the manifest binds a function to, which its construct sets and it needs: the names of its tables, the
 * URLs of the queues it sends to, and the `@connections` endpoint if it posts to connections.
 */
export const boundVariables = (spec: FunctionSpec): string[] => [
  ...(Object.keys(spec.tables) as TableName[]).map((table) => tables[table].envVar),
  ...(spec.sends ?? []).map((queue) => queues[queue].envVar),
  ...(spec.postsToConnections ? [environment.websocketEndpoint] : []),
  ...(spec.putsEvents ? [environment.eventBus] : []),
];

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
  /**
   * An SQS event source, with partial batch responses. `maxConcurrency` caps the batches handled at once on AWS (the
   * event source scales up to it); the local event source runs that many pollers.
   */
  consumes?: { queue: QueueName; batchSize: number; maxBatchingWindowSeconds: number; maxConcurrency?: number };
  /** Runs on a schedule. */
  schedule?: { everyMinutes: number };
  /**
   * Reads a table's DynamoDB stream, with partial batch responses: a failed record and those after it come again;
   * the event source bisects a failing batch and sends what keeps failing to an on-failure destination.
   */
  stream?: { table: TableName; batchSize: number; maxRetries: number };
  /** Calls the WebSocket API's `@connections` management API, whose endpoint it reads from WEBSOCKET_ENDPOINT. */
  postsToConnections?: true;
  /** Puts events on the stack's EventBridge bus, whose name it reads from `environment.eventBus`. */
  putsEvents?: true;
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

// Moving money synchronously (a capture, a void) is what the processor does: the payment's update, the heads (read in
// one batch, each updated on condition that it is still the one read) and a Put per operation, in one transaction.
const ledgerWrite = {
  payments: ['GetItem', 'UpdateItem'],
  operations: ['PutItem'],
  accounts: ['BatchGetItem', 'UpdateItem'],
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
  'accounts-create': fn('accounts-create', 'Opens a wallet for the caller', {
    // The owner's count of open accounts (a conditional update), then the account and its metadata entries.
    accounts: [...read, 'PutItem', 'UpdateItem'],
    metadata: ['PutItem'],
  }),
  'accounts-list': fn('accounts-list', "Lists the caller's accounts", { ...accountsRead, metadata: read }),
  'accounts-get': fn('accounts-get', 'Reads one account', accountsRead),
  'accounts-update': fn('accounts-update', "Changes an account's name or metadata", {
    accounts: [...read, 'UpdateItem'],
    metadata: ['PutItem', 'DeleteItem'],
  }),
  // Closing gives the owner's slot back in the same transaction.
  'accounts-close': fn('accounts-close', 'Closes an empty account', { accounts: [...read, 'UpdateItem'] }),
  'admin-accounts-list': fn('admin-accounts-list', 'Lists any accounts, for operators', {
    ...accountsRead,
    metadata: read,
  }),
  'admin-accounts-freeze': fn('admin-accounts-freeze', 'Freezes an account, for operators', {
    accounts: [...read, 'UpdateItem'],
  }),
  'admin-accounts-unfreeze': fn('admin-accounts-unfreeze', 'Unfreezes an account, for operators', {
    accounts: [...read, 'UpdateItem'],
  }),
  'operations-list': fn('operations-list', "Lists an account's operations", accountsRead),
  'balance-get': fn('balance-get', "Answers an account's balance at a point in time", accountsRead),
  'fees-get': fn('fees-get', 'Answers the fee schedule', {}),
  'payments-create': fn(
    'payments-create',
    'Accepts a transfer, exchange or withdrawal and queues it',
    // A payment with metadata is stored after the index entries of its metadata, one item per key; the two accounts
    // of a transfer or an exchange are read in one batch.
    {
      ...paymentsCreate,
      accounts: ['GetItem', 'BatchGetItem', 'PutItem'],
      rates: ['GetItem'],
      metadata: ['PutItem'],
    },
    { sends: ['payments'] },
  ),
  'deposits-create': fn('deposits-create', 'Accepts a bank deposit, for operators', paymentsCreate, {
    sends: ['payments'],
  }),
  'payments-get': fn('payments-get', 'Reads one payment', { payments: ['GetItem'] }),
  'refunds-create': fn(
    'refunds-create',
    'Accepts the refund of a payment and queues it',
    // The refund stored with its reservation on the original payment, in one transaction.
    {
      accounts: ['GetItem'],
      payments: ['GetItem', 'PutItem', 'UpdateItem'],
      idempotency: ['GetItem', 'PutItem'],
    },
    { sends: ['payments'] },
  ),
  'payments-capture': fn(
    'payments-capture',
    'Captures an authorized payment',
    // The request's idempotency claim is written in the capture's transaction.
    { ...ledgerWrite, idempotency: ['GetItem', 'PutItem'] },
  ),
  'payments-void': fn('payments-void', 'Voids an authorized payment', ledgerWrite),
  // Index entries, then the payments they name; a metadata filter reads its index on the metadata table.
  'payments-list': fn('payments-list', 'Lists payments', {
    payments: ['Query', 'BatchGetItem'],
    metadata: ['Query'],
  }),
  'rates-list': fn('rates-list', 'Answers the exchange rates in force', { rates: ['Query'] }),
  'rates-history': fn('rates-history', "Lists a pair's rates, newest first, for operators", { rates: ['Query'] }),
  'rates-put': fn('rates-put', 'Sets the exchange rate of a pair, for operators', { rates: ['PutItem'] }),
  'reports-summary': fn(
    'reports-summary',
    'Sums commission, deposits, withdrawals, refunds and exchanges per currency over a period, for operators',
    accountsRead,
  ),
  processor: fn(
    'processor',
    'Applies queued payments to the ledger, those of a batch together, and pushes their outcomes at once',
    // A refund's transaction also adds to its original's refunded total (or, failing, gives back its reservation).
    // The pushes: the audience's connections by user and their tokens, read in batches; each event then stored as
    // pushed, in one transaction. A connection found gone is left to `$disconnect` and its TTL.
    {
      ...ledgerWrite,
      // A batch's payments, and the originals of its refunds, each read in one request.
      payments: ['BatchGetItem', 'UpdateItem'],
      connections: ['Query', 'BatchGetItem'],
      tokens: ['BatchGetItem'],
      events: ['PutItem'],
    },
    {
      consumes: { queue: 'payments', batchSize: 10, maxBatchingWindowSeconds: 0 },
      postsToConnections: true,
      timeoutSeconds: 10,
    },
  ),
  sweeper: fn(
    'sweeper',
    'Re-drives payments left INITIATED, fails those past their horizon and voids expired authorizations',
    // Voiding an authorization releases what it held: the ledger's transaction, as the processor writes it.
    { ...ledgerWrite, payments: [...read, 'UpdateItem'] },
    { sends: ['payments'], schedule: { everyMinutes: 1 }, timeoutSeconds: 60 },
  ),
  'ws-authorizer': fn('ws-authorizer', 'Resolves the ?token= of a WebSocket upgrade, or refuses it with 401', {
    users: ['GetItem'],
    tokens: ['GetItem', 'UpdateItem'],
  }),
  'ws-connect': fn('ws-connect', 'Remembers an authorized WebSocket connection', { connections: ['PutItem'] }),
  'ws-disconnect': fn('ws-disconnect', 'Forgets a closed WebSocket connection', { connections: ['DeleteItem'] }),
  'ws-default': fn(
    'ws-default',
    'Answers WebSocket messages: subscribe to a payment, resume after an event',
    // A connection whose token is gone is not served; resume reads the event log through its indexes.
    { connections: ['GetItem'], payments: ['GetItem'], tokens: ['GetItem'], events: ['Query', 'BatchGetItem'] },
    { postsToConnections: true, timeoutSeconds: 29 },
  ),
  notifier: fn(
    'notifier',
    'Turns each state a payment reaches into an event: logged, put on the bus, fanned out to webhooks, pushed',
    // The events of a batch looked up together (stored already, and pushed, by the processor?), each written once;
    // the endpoints that want them found by owner; a delivery each; the audience's connections and their tokens read
    // in batches, and a connection whose token is gone, or that API Gateway says is gone, forgotten.
    {
      events: ['PutItem', 'BatchGetItem'],
      webhooks: ['Query'],
      deliveries: ['PutItem', 'GetItem'],
      connections: ['Query', 'BatchGetItem', 'DeleteItem'],
      tokens: ['BatchGetItem'],
    },
    {
      stream: { table: 'payments', batchSize: 100, maxRetries: 5 },
      postsToConnections: true,
      sends: ['webhook-deliveries'],
      putsEvents: true,
      timeoutSeconds: 30,
    },
  ),
  'webhook-deliverer': fn(
    'webhook-deliverer',
    'POSTs signed events to webhook endpoints, retrying on the Standard Webhooks schedule',
    // Each attempt claimed and settled on its delivery; an endpoint's run of failures recorded, or it disabled.
    { webhooks: ['GetItem', 'UpdateItem'], deliveries: ['GetItem', 'UpdateItem'], events: ['GetItem'] },
    {
      // A slow receiver holds its own attempt for up to 10 s, never the others of the batch, which run at once.
      consumes: { queue: 'webhook-deliveries', batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 10 },
      timeoutSeconds: 60,
    },
  ),
  'events-list': fn('events-list', 'Lists the events of the payments the caller may see', {
    events: ['Query', 'BatchGetItem', 'GetItem'],
  }),
  'webhooks-create': fn('webhooks-create', 'Registers a webhook endpoint', { webhooks: ['Query', 'PutItem'] }),
  'webhooks-list': fn('webhooks-list', "Lists the caller's webhook endpoints", { webhooks: read }),
  'webhooks-delete': fn('webhooks-delete', 'Deletes a webhook endpoint', { webhooks: ['GetItem', 'DeleteItem'] }),
  'webhook-deliveries-list': fn('webhook-deliveries-list', "Lists a webhook endpoint's deliveries", {
    webhooks: ['GetItem'],
    deliveries: read,
  }),
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/** Every HTTP route, from the contracts: one per route, read by the CDK app, the local stack and the OpenAPI document. */
export const routes: readonly RouteSpec[] = contracts;

/** API Gateway sends every request no route matches to `$default`; ours answers problem+json, not `{"message"}`. */
export const defaultRoute: FunctionName = 'not-found';

/**
 * The WebSocket API's routes. Messages are routed on `$request.body.action`; every action (`subscribe`, `resume`) and
 * anything else reaches `$default`, which answers on the same connection (a two-way route).
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
  /** Published by the notifier when EventBridge refuses an event (the stream then delivers its record again). */
  failedEventBusPuts: { name: 'FailedEventBusPuts', unit: 'Count' },
} as const;

/** What the local stack adds to its functions' environment, where AWS would differ. */
export const localEnvironment: Readonly<Record<string, string>> = { [environment.webhookAllowLoopback]: 'true' };

/** The `$connect` authorizer of the WebSocket API, with its identity source: the `token` query parameter. */
export const websocketAuthorizer: FunctionName = 'ws-authorizer';

/** The function that authorizes `user` and `admin` routes. */
export const authorizer: FunctionName = 'authorizer';
