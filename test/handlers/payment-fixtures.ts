import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { ulid } from 'ulid';
import type { HttpEvent, HttpResponse } from '../../functions/lib/http';
import { paymentMetadataIndex } from '../../shared/adapters/payment-listing';
import { DynamoPaymentStore, fromPaymentItem } from '../../shared/adapters/payment-store';
import { type TableName, tables } from '../../shared/adapters/tables';
import type { Principal } from '../../shared/users/model';
import { httpEvent, lambdaContext, type ParsedResponse, parseResponse, userPrincipal } from '../support/http-event';

/**
 * Fixtures of the payment handler tests: items shaped as the DynamoDB document client answers them (every number a
 * bigint, since it unmarshalls with `wrapNumbers` into BigInt), and the events Lambda hands the handlers.
 */
export const ada = userPrincipal({
  userId: 'usr_01jd00000000000000000000ad',
  tokenId: 'tok_01jd00000000000000000000ad',
});
export const bob = userPrincipal({
  userId: 'usr_01jd00000000000000000000b0',
  tokenId: 'tok_01jd00000000000000000000b0',
});
export const carol = userPrincipal({
  userId: 'usr_01jd00000000000000000000c0',
  tokenId: 'tok_01jd00000000000000000000c0',
});
export const admin = userPrincipal({
  userId: 'usr_01jd00000000000000000000a1',
  tokenId: 'tok_01jd00000000000000000000a1',
  role: 'admin',
});

export const ADA_USD = 'acc_01jd0000000000000000000a01';
export const ADA_USD_2 = 'acc_01jd0000000000000000000a02';
export const ADA_EUR = 'acc_01jd0000000000000000000a03';
export const BOB_USD = 'acc_01jd0000000000000000000b01';

export const CREATED_AT = '2026-01-01T00:00:00.000Z';

export interface AccountItem {
  id: string;
  kind: 'user' | 'technical';
  purpose: string;
  ownerId?: string;
  currency: string;
  status: 'active' | 'frozen' | 'closed';
  name?: string;
  createdAt: string;
  updatedAt: string;
}

/** A wallet as stored in the accounts table. */
export const walletItem = (id: string, ownerId: string, overrides: Partial<AccountItem> = {}): AccountItem => ({
  id,
  kind: 'user',
  purpose: 'wallet',
  ownerId,
  currency: 'USD',
  status: 'active',
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
  ...overrides,
});

/** A technical account as stored: no owner, a readable id. */
export const technicalItem = (purpose: string, currency: string): AccountItem => ({
  id: `tech-${purpose}-${currency}`,
  kind: 'technical',
  purpose,
  currency,
  status: 'active',
  name: `${purpose} (${currency})`,
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
});

export interface PaymentItem {
  id: string;
  type: 'transfer' | 'deposit' | 'withdrawal' | 'exchange' | 'refund';
  status: 'INITIATED' | 'AUTHORIZED' | 'COMPLETED' | 'FAILED' | 'VOIDED';
  sourceAccountId: string;
  destinationAccountId: string;
  amount: bigint;
  currency: string;
  fee: bigint;
  createdAt: string;
  updatedAt: string;
  sourceOwnerId?: string;
  destinationOwnerId?: string;
  description?: string;
  reference?: string;
  failureReason?: string;
  completedAt?: string;
  capture?: 'automatic' | 'manual';
  holdSeconds?: bigint;
  authorizedAt?: string;
  authorizationExpiresAt?: string;
  capturedAmount?: bigint;
  voidReason?: string;
  refundOf?: string;
  refundedAmount?: bigint;
  refundsReserved?: bigint;
  metadata?: Record<string, string>;
  pending?: string;
  authorized?: string;
  listed: string;
}

/** A payment id whose ULID encodes `createdAt`, as the server makes them. */
export const paymentIdAt = (createdAt: string): string => `pay_${ulid(Date.parse(createdAt)).toLowerCase()}`;

/** An INITIATED transfer of 10.00 USD from Ada to Bob, as stored in the payments table. */
export const paymentItem = (overrides: Partial<PaymentItem> = {}): PaymentItem => {
  const createdAt = overrides.createdAt ?? CREATED_AT;
  const status = overrides.status ?? 'INITIATED';
  return {
    id: paymentIdAt(createdAt),
    type: 'transfer',
    status,
    sourceAccountId: ADA_USD,
    destinationAccountId: BOB_USD,
    amount: 1000n,
    currency: 'USD',
    fee: 10n,
    createdAt,
    updatedAt: createdAt,
    sourceOwnerId: ada.userId,
    destinationOwnerId: bob.userId,
    ...(status === 'INITIATED' ? { pending: 'INITIATED' } : {}),
    listed: 'payment',
    ...overrides,
  };
};

/**
 * A bank deposit of 500.00 USD into Ada's wallet, as stored: from `tech-bank-<CUR>`, without a fee, and without a
 * source owner, since a technical account has none.
 */
export const depositItem = (overrides: Partial<PaymentItem> = {}): PaymentItem => {
  const item = paymentItem({
    type: 'deposit',
    sourceAccountId: 'tech-bank-USD',
    destinationAccountId: ADA_USD,
    destinationOwnerId: ada.userId,
    amount: 50000n,
    fee: 0n,
    ...overrides,
  });
  delete item.sourceOwnerId;
  return item;
};

/** The last operation of a chain, as a bisection reads it. */
export const headItem = (seq: bigint, balanceAfter: bigint, createdAt = CREATED_AT) => ({
  seq,
  balanceAfter,
  createdAt,
});

export interface OperationItem {
  chain: string;
  seq: bigint;
  id: string;
  accountId: string;
  paymentId: string;
  type: string;
  amount: bigint;
  currency: string;
  balanceAfter: bigint;
  counterpartyAccountId: string;
  createdAt: string;
}

/** One operation of a wallet's chain, as stored in the operations table. */
export const operationItem = (overrides: Partial<OperationItem> = {}): OperationItem => ({
  chain: ADA_USD,
  seq: 1n,
  id: 'op_01jd0000000000000000000001',
  accountId: ADA_USD,
  paymentId: 'pay_01jd0000000000000000000001',
  type: 'deposit',
  amount: 5000n,
  currency: 'USD',
  balanceAfter: 5000n,
  counterpartyAccountId: 'tech-bank-USD',
  createdAt: CREATED_AT,
  ...overrides,
});

export const sqsRecord = (body: string, messageId: string = randomUUID()): SQSRecord => ({
  messageId,
  receiptHandle: `receipt-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1767225600000',
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: '1767225600000',
  },
  messageAttributes: {},
  md5OfBody: 'md5',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:payments',
  awsRegion: 'us-east-1',
});

/** A payment queue message, as payments-create and the sweeper send it. */
export const paymentMessage = (paymentId: string, messageId?: string): SQSRecord =>
  sqsRecord(JSON.stringify({ paymentId }), messageId);

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/**
 * The heads of chains, as the ledger reads them in one BatchGetItem of the accounts table: a wallet's head is its
 * account item (active, and empty unless given), a technical account's shard's is an item of its own (none until
 * given). `answer()` installs the batch read (after a reset); `given` adds a head to what it answers.
 */
export const chainHeads = (dynamo: AwsClientStub<DynamoDBDocumentClient>) => {
  const heads = new Map<string, Record<string, unknown>>();
  // Accounts given to the test: a batch read of the accounts table answers them too, with their heads if given.
  const accounts = new Map<string, AccountItem>();
  // Payments given to the test, which a batch read of the payments table answers.
  const payments = new Map<string, PaymentItem>();
  return {
    clear: () => {
      heads.clear();
      accounts.clear();
      payments.clear();
    },
    answer: () => {
      dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
        Responses: Object.fromEntries(
          Object.entries(input.RequestItems ?? {}).map(([table, { Keys = [] }]) => [
            table,
            table === 'accounts'
              ? Keys.flatMap(({ id }) => {
                  const head = heads.get(id as string) ?? (String(id).startsWith('tech-') ? undefined : { id });
                  const account = accounts.get(id as string);
                  return head || account ? [{ status: 'active', ...account, ...head }] : [];
                })
              : table === 'payments'
                ? Keys.flatMap(({ id }) => payments.get(id as string) ?? [])
                : [],
          ]),
        ),
      }));
    },
    given: (chain: string, seq: bigint, balance: bigint, extra: Record<string, unknown> = {}) => {
      heads.set(chain, { id: chain, seq, balance, input: 0n, output: 0n, lastAt: CREATED_AT, ...extra });
    },
    givenAccount: (item: AccountItem) => {
      accounts.set(item.id, item);
    },
    givenPayment: (item: PaymentItem) => {
      payments.set(item.id, item);
    },
  };
};

/**
 * DynamoDB and SQS, mocked for one test file and reset before each of its tests to what empty tables and a healthy
 * queue answer (a bare mock answers undefined): `{}` for a missing item, an empty page for a query, every write
 * accepted. Answers the mocks, with the steps and checks the payment tests share.
 */
export const mockPaymentAws = () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sqs = mockClient(SQSClient);
  const heads = chainHeads(dynamo);

  beforeEach(() => {
    dynamo.reset();
    sqs.reset();
    heads.clear();
    dynamo.on(GetCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    heads.answer();
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
      Successful: (input.Entries ?? []).map(({ Id }) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: 'x' })),
    }));
  });

  /** Accounts the accounts table holds, found by id, alone or in a batch. */
  const givenAccounts = (...items: AccountItem[]) => {
    for (const item of items) {
      dynamo.on(GetCommand, { TableName: 'accounts', Key: { id: item.id } }).resolves({ Item: item });
      heads.givenAccount(item);
    }
  };

  /** Payments the payments table holds, found by id, alone or in a batch. */
  const givenPayments = (...items: PaymentItem[]) => {
    for (const item of items) {
      dynamo.on(GetCommand, { TableName: 'payments', Key: { id: item.id } }).resolves({ Item: item });
      heads.givenPayment(item);
    }
  };

  /**
   * The payments table, its indexes and the metadata table, holding these payments as the store writes them: a Query
   * answers what DynamoDB would (a partition's items in sort key order within the condition's bounds, `Limit` at a
   * time), and a BatchGet the payments it asks for.
   */
  const givenPaymentIndexes = async (...items: PaymentItem[]) => {
    const written = await storedByTheStore(items);
    const held = (table: TableName) => written.filter((put) => put.TableName === table).map((put) => put.Item ?? {});
    dynamo.on(QueryCommand, { TableName: 'payments' }).callsFake(indexQuery('payments', held('payments')));
    dynamo.on(QueryCommand, { TableName: 'metadata' }).callsFake(indexQuery('metadata', held('metadata')));
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const ids = new Set((input.RequestItems?.payments?.Keys ?? []).map((key) => key.id as string));
      return { Responses: { payments: held('payments').filter((item) => ids.has(item.id as string)) } };
    });
  };

  /** Ada's wallets (two in USD, one in EUR) and Bob's, in USD. */
  const givenStandardWallets = () => {
    givenAccounts(
      walletItem(ADA_USD, ada.userId),
      walletItem(ADA_USD_2, ada.userId),
      walletItem(ADA_EUR, ada.userId, { currency: 'EUR' }),
      walletItem(BOB_USD, bob.userId),
    );
  };

  /** The items put into one table, in order. */
  const storedItems = (table: string): Record<string, unknown>[] =>
    dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.TableName === table)
      .map((input) => input.Item as Record<string, unknown>);

  /** The reads of one table by key. */
  const getsOf = (table: string) =>
    dynamo
      .commandCalls(GetCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.TableName === table);

  /** The bodies of every message sent to the payment queue. */
  const sentMessages = (): unknown[] =>
    sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => JSON.parse(entry.MessageBody ?? 'null') as unknown);

  const expectNothingWritten = () => {
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  };

  return {
    dynamo,
    sqs,
    givenHead: heads.given,
    givenAccounts,
    givenPayments,
    givenPaymentIndexes,
    givenStandardWallets,
    storedItems,
    getsOf,
    sentMessages,
    expectNothingWritten,
  };
};

/** The items the payment store writes for these payments (the payment with its index keys, its metadata entries). */
const storedByTheStore = async (items: PaymentItem[]): Promise<PutCommandInput[]> => {
  const written: PutCommandInput[] = [];
  const recorder = {
    send: (command: { input: PutCommandInput }) => {
      written.push(command.input);
      return Promise.resolve({});
    },
  } as unknown as DynamoDBDocumentClient;
  const store = new DynamoPaymentStore(recorder, 'payments', () => paymentMetadataIndex(recorder, 'metadata'));
  for (const item of items) await store.create(fromPaymentItem({ ...item }));
  return written;
};

/** A Query of one of a table's indexes, answered from the items the table holds. */
const indexQuery = (table: TableName, items: Record<string, unknown>[]) => (input: QueryCommandInput) => {
  const index = (tables[table].indexes as readonly { name: string; sortKey?: { name: string } }[]).find(
    (candidate) => candidate.name === input.IndexName,
  );
  const names = input.ExpressionAttributeNames ?? {};
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, string>;
  const keyName = names['#key'] ?? '';
  const sortName = index?.sortKey?.name ?? '';
  const condition = input.KeyConditionExpression ?? '';
  const between = /BETWEEN (:\w+) AND (:\w+)/.exec(condition);
  const above = /> (:\w+)/.exec(condition);
  const below = /< (:\w+)/.exec(condition);
  const inRange = (sort: string) =>
    between
      ? sort >= (values[between[1] ?? ''] ?? '') && sort <= (values[between[2] ?? ''] ?? '')
      : (!above || sort > (values[above[1] ?? ''] ?? '')) && (!below || sort < (values[below[1] ?? ''] ?? ''));
  const sortOf = (item: Record<string, unknown>) => item[sortName] as string;
  const partition = items
    .filter((item) => item[keyName] === values[':key'] && typeof item[sortName] === 'string' && inRange(sortOf(item)))
    .sort((a, b) => (sortOf(a) < sortOf(b) ? -1 : 1));
  if (input.ScanIndexForward === false) partition.reverse();
  const startAfter = input.ExclusiveStartKey?.[sortName] as string | undefined;
  const start = startAfter === undefined ? 0 : partition.findIndex((item) => sortOf(item) === startAfter) + 1;
  const page = partition.slice(start, start + (input.Limit ?? partition.length));
  const last = page.at(-1);
  return {
    Items: page,
    ...(start + page.length < partition.length && last
      ? { LastEvaluatedKey: { [keyName]: last[keyName], [sortName]: sortOf(last), id: last.id } }
      : {}),
  };
};

/** What DynamoDB answers a write refused by its condition that asked for the item (ALL_OLD): the item, marshalled. */
export const conditionFailure = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {}),
  });

/** A payment as the API answers it. */
export interface PaymentBody {
  id: string;
  type: string;
  status: string;
  amount: number;
  fee: number;
  [field: string]: unknown;
}

/** A problem+json answer, as far as the tests read it. */
export interface Problem {
  status: number;
  code: string;
  errors?: { path: string; message: string }[];
}

/** The paths of the fields a 400 names. */
export const errorPaths = (response: ParsedResponse): string[] =>
  ((response.body as Problem).errors ?? []).map((error) => error.path);

/** A transfer of 123.45 USD from Ada to Bob, as a client posts it. */
export const transfer = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'transfer',
  sourceAccountId: ADA_USD,
  destinationAccountId: BOB_USD,
  amount: 12345,
  currency: 'USD',
  ...overrides,
});

export interface PostOptions {
  principal?: Principal | null;
  idempotencyKey?: string;
  rawBody?: string;
}

/** POSTs payment requests to the payments-create handler, as Ada unless told otherwise. */
export const paymentPoster =
  (handler: (event: HttpEvent, context: Context) => Promise<HttpResponse>) =>
  async (body: unknown, { principal = ada, idempotencyKey, rawBody }: PostOptions = {}) =>
    parseResponse(
      await handler(
        httpEvent({
          method: 'POST',
          path: '/v1/payments',
          ...(rawBody === undefined ? { body } : { rawBody }),
          ...(principal ? { principal } : {}),
          ...(idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': idempotencyKey } }),
        }),
        lambdaContext('payments-create'),
      ),
    );
