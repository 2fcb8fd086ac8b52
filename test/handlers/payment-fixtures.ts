import { randomUUID } from 'node:crypto';
import type { ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { ulid } from 'ulid';
import { userPrincipal } from '../support/http-event';

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
  status: 'active' | 'closed';
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
  type: 'transfer' | 'deposit' | 'withdrawal' | 'exchange';
  status: 'INITIATED' | 'COMPLETED' | 'FAILED';
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
  pending?: string;
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

/** The head of a chain of operations, as the ledger's head query projects it. */
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

export const scheduledEvent = (): ScheduledEvent => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/sweeper'],
  detail: {},
});
