/**
 * The one definition of every DynamoDB table: the CDK app creates them from it, the local stack and the integration
 * tests create them from it, and the repositories in this folder are the only code that reads their key names.
 * Plain data, so infra can import it without pulling in the AWS SDK.
 */
export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Only what the index must answer on its own; balances are never projected, so moving money writes no index. */
  projection: { type: 'KEYS_ONLY' } | { type: 'INCLUDE'; attributes: string[] } | { type: 'ALL' };
}

export interface TableDefinition {
  /** The environment variable that carries the table's name to a function. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: IndexDefinition[];
  timeToLiveAttribute?: string;
  stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

/**
 * What a listing index of payments carries besides its keys: the facts a list filters on that never change once the
 * payment is created. A page reads in full only the payments whose entries pass them, and no change of state (status,
 * `updatedAt`, `completedAt`) rewrites these indexes: only a change of their keys does. DynamoDB counts at most 100
 * such attributes over all the indexes of a table.
 */
const PAYMENT_FACTS = ['type', 'currency', 'amount', 'sourceAccountId', 'destinationAccountId', 'refundOf'];

const paymentListing = (name: string, partitionKey: string, sortKey: string): IndexDefinition => ({
  name,
  partitionKey: { name: partitionKey, type: 'S' },
  sortKey: { name: sortKey, type: 'S' },
  // An index's own keys are in every entry already.
  projection: { type: 'INCLUDE', attributes: PAYMENT_FACTS.filter((fact) => fact !== partitionKey) },
});

/** One scope's listing indexes: by id (creation order), and by each other sort field of the list. */
const paymentListings = (name: string, partitionKey: string): IndexDefinition[] => [
  paymentListing(name, partitionKey, 'id'),
  paymentListing(`${name}Amount`, partitionKey, 'amountKey'),
  paymentListing(`${name}Fee`, partitionKey, 'feeKey'),
  paymentListing(`${name}Completed`, partitionKey, 'completedKey'),
];

/** The lookup indexes of the metadata table: as many as the scopes a collection's list may have. */
export const METADATA_LOOKUPS = ['lookup0', 'lookup1', 'lookup2'] as const;

export const tables = {
  /**
   * Users (`pk = user#<id>`), the email claims that keep emails unique (`pk = email#<email>`), and the failed sign-ins
   * of an email (`pk = signin#<email>`), which alone carry a `ttl` and go when their window has passed.
   */
  users: {
    envVar: 'USERS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    indexes: [],
    timeToLiveAttribute: 'ttl',
  },
  /**
   * API tokens by id (`tok_…`), only the SHA-256 of each secret stored, each with a `ttl` at its expiry; and each
   * user's register of the tokens it holds (`user#<userId>`), which caps them and finds them all at once.
   */
  tokens: {
    envVar: 'TOKENS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    timeToLiveAttribute: 'ttl',
    indexes: [
      {
        name: 'byUser',
        partitionKey: { name: 'userId', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
    ],
  },
  /**
   * Accounts, user wallets and technical accounts alike; a wallet's item also carries the head of its chain of
   * operations, a technical account's shards have items of their own (`tech-fees-USD#3`), and each user's count of
   * open accounts one more (`quota#<user id>`). Only account records have a `kind`.
   */
  accounts: {
    envVar: 'ACCOUNTS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [
      {
        name: 'byOwner',
        partitionKey: { name: 'ownerId', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
      {
        name: 'byKind',
        partitionKey: { name: 'kind', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'INCLUDE', attributes: ['purpose', 'currency', 'ownerId', 'status'] },
      },
      {
        // Every account by `createdAt` then id (`createdKey`), with what a list filters on: the fields that change
        // only when an owner or operator changes them, never when money moves.
        name: 'byCreation',
        partitionKey: { name: 'listed', type: 'S' },
        sortKey: { name: 'createdKey', type: 'S' },
        projection: { type: 'INCLUDE', attributes: ['kind', 'purpose', 'currency', 'ownerId', 'status', 'name'] },
      },
    ],
  },
  /**
   * Payments, the outbox of their outcomes (the stream feeds the notifier) and the queue's source of truth. The
   * `pending` and `authorized` indexes are sparse: only INITIATED payments carry `pending`, and only AUTHORIZED ones
   * `authorized` (sorted by when their authorization expires), so the sweeper reads just those. The others serve the
   * list: for each scope (the source's owner, the destination's owner, every payment for operators) one index per sort
   * field, on keys made unique by the id (`amountKey = <amount, zero-padded>#<id>`; `completedKey`, set by the ledger
   * when the payment completes, makes its indexes sparse; a capture rewrites `feeKey`); and by account on either side,
   * and by the payment a refund returns (sparse). See payment-keys.ts.
   */
  payments: {
    envVar: 'PAYMENTS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [
      ...paymentListings('bySourceOwner', 'sourceOwnerId'),
      ...paymentListings('byDestinationOwner', 'destinationOwnerId'),
      ...paymentListings('all', 'listed'),
      paymentListing('bySourceAccount', 'sourceAccountId', 'id'),
      paymentListing('byDestinationAccount', 'destinationAccountId', 'id'),
      paymentListing('byRefundOf', 'refundOf', 'id'),
      {
        name: 'pending',
        partitionKey: { name: 'pending', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
      {
        name: 'authorized',
        partitionKey: { name: 'authorized', type: 'S' },
        sortKey: { name: 'authorizationExpiresAt', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
    ],
    stream: 'NEW_AND_OLD_IMAGES',
  },
  /**
   * The ledger: one append-only chain of operations per account (per shard, for a sharded account), keyed by its
   * sequence number. An operation is written only if its `seq` is free, so two legs can never both follow the
   * same balance, and the latest operation's `balanceAfter` is the account's balance.
   */
  operations: {
    envVar: 'OPERATIONS_TABLE',
    partitionKey: { name: 'chain', type: 'S' },
    sortKey: { name: 'seq', type: 'N' },
    indexes: [],
  },
  /** Idempotency keys (per user, 24 h and more) and bank references of deposits (for ever). */
  idempotency: {
    envVar: 'IDEMPOTENCY_TABLE',
    partitionKey: { name: 'key', type: 'S' },
    indexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * Exchange rates. The rate in force of every pair sits in one partition (`pk = current`, `sk = <base>/<quote>`), so
   * listing them is a Query, not a Scan; each rate ever set is also kept in its pair's history
   * (`pk = <base>/<quote>`, `sk = <updatedAt>#<id>`). Exchanges record the rate they used on the payment itself.
   */
  rates: {
    envVar: 'RATES_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [],
  },
  /**
   * Open WebSocket connections, by connection id, with the user each belongs to and the token it was opened with. API Gateway closes a connection
   * after two hours at most, so a record outlives it only until its TTL, in case `$disconnect` never came.
   */
  connections: {
    envVar: 'CONNECTIONS_TABLE',
    partitionKey: { name: 'connectionId', type: 'S' },
    indexes: [
      {
        name: 'byUser',
        partitionKey: { name: 'userId', type: 'S' },
        sortKey: { name: 'connectionId', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
      {
        // The connections a revoked token opened, to close them.
        name: 'byToken',
        partitionKey: { name: 'tokenId', type: 'S' },
        sortKey: { name: 'connectionId', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
    ],
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * The event log: one item per state a payment reached (`id` derived from the payment, the state and the moment), kept
   * 30 days by TTL. Event ids sort by time, so every index sorted by `id` lists events in the order they happened: `all`
   * for operators, `byPayer` and `byPayee` for the users who may see them (the payee's attribute is absent when the
   * payee may not: a FAILED payment), `byPayment` for one payment's events. The lists filter on `type`, so the indexes
   * that lists walk carry it.
   */
  events: {
    envVar: 'EVENTS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [
      {
        name: 'all',
        partitionKey: { name: 'listed', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'INCLUDE', attributes: ['type'] },
      },
      {
        name: 'byPayer',
        partitionKey: { name: 'payerId', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'INCLUDE', attributes: ['type'] },
      },
      {
        name: 'byPayee',
        partitionKey: { name: 'payeeId', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'INCLUDE', attributes: ['type'] },
      },
      {
        name: 'byPayment',
        partitionKey: { name: 'paymentId', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
      },
    ],
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * Webhook endpoints, by id, with their signing secret. `byOwner` lists a user's endpoints (and finds them when one of
   * their payments moves); the sparse `receivesAll` index holds only the endpoints of operators, which receive every
   * event. Both project everything: an endpoint is small and read far more often than it is written.
   */
  webhooks: {
    envVar: 'WEBHOOKS_TABLE',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [
      {
        name: 'byOwner',
        partitionKey: { name: 'ownerId', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'ALL' },
      },
      {
        name: 'receivesAll',
        partitionKey: { name: 'receivesAll', type: 'S' },
        sortKey: { name: 'id', type: 'S' },
        projection: { type: 'ALL' },
      },
    ],
  },
  /**
   * Webhook deliveries: one per endpoint and event (`id` derived from both, so a fan-out done twice writes one), under
   * the endpoint's partition in event order, kept 30 days by TTL. The delivery queue only triggers attempts; each
   * attempt is claimed here with a conditional write on `attempts`.
   */
  deliveries: {
    envVar: 'DELIVERIES_TABLE',
    partitionKey: { name: 'webhookId', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    indexes: [],
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * The metadata index of every collection with metadata (payments; accounts): one item per record and key
   * (`record = <collection>\u0000<id>`, `key`), written before the record itself. Each names up to three lookups,
   * `<collection>\u0000<scope>:<under>\u0000<key>\u0000<SHA-256 of the value>`, one per scope a list of the
   * collection can have (a payment's payer, its payee, and every payment), each the key of an index sorted by
   * `recordId`: a `metadata[key]=value` filter reads one entry per match, never the collection. See metadata-index.ts.
   */
  metadata: {
    envVar: 'METADATA_TABLE',
    partitionKey: { name: 'record', type: 'S' },
    sortKey: { name: 'key', type: 'S' },
    indexes: METADATA_LOOKUPS.map((name) => ({
      name,
      partitionKey: { name, type: 'S' as const },
      sortKey: { name: 'recordId', type: 'S' as const },
      projection: { type: 'KEYS_ONLY' as const },
    })),
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof tables;
export type TableNames = Record<TableName, string>;
