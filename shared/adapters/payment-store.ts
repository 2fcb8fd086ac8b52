import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import type { Metadata } from '../metadata';
import type {
  CaptureMode,
  FailureReason,
  Payment,
  PaymentStatus,
  PaymentType,
  VoidReason,
  WithdrawalDestination,
} from '../payments/model';
import type {
  IdempotencyClaim,
  IdempotencyStore,
  PaymentPage,
  PaymentPageRead,
  PaymentStore,
  RefundAcceptance,
} from '../payments/ports';
import { batchGet } from './batch';
import { refusingItem } from './conditions';
import type { DynamoMetadataIndex } from './metadata-index';
import { EVERY_PAYMENT, paymentPage, type PaymentMetadataScope } from './payment-listing';
import { indexKeys } from './payment-keys';
import { queryAttribute } from './query';

// Payment ids are `pay_` + a lower-case ULID, whose first ten characters encode the creation time: a time range is a
// key range on any index sorted by id.
const idBound = (time: string | undefined, edge: 'low' | 'high'): string => {
  const ms = time === undefined ? (edge === 'low' ? 0 : 2 ** 48 - 1) : Date.parse(time);
  return `pay_${encodeTime(ms, 10).toLowerCase()}${(edge === 'low' ? '0' : 'z').repeat(16)}`;
};

const toPaymentItem = (payment: Payment): Record<string, unknown> => ({ ...payment, ...indexKeys(payment) });

const isMetadata = (value: unknown): value is Metadata =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(value as Record<string, unknown>).every((entry) => typeof entry === 'string');

const isDestination = (value: unknown): value is WithdrawalDestination =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<string, unknown>).method === 'ewallet' &&
  typeof (value as Record<string, unknown>).reference === 'string';

export const fromPaymentItem = (item: Record<string, unknown>): Payment => {
  const optional = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] } : {});
  const units = (name: string) => (typeof item[name] === 'bigint' ? { [name]: item[name] } : {});
  return {
    id: item.id as string,
    type: item.type as PaymentType,
    status: item.status as PaymentStatus,
    sourceAccountId: item.sourceAccountId as string,
    destinationAccountId: item.destinationAccountId as string,
    amount: item.amount as bigint,
    currency: item.currency as string,
    fee: item.fee as bigint,
    capture: (item.capture as CaptureMode | undefined) ?? 'automatic',
    refundedAmount: (item.refundedAmount as bigint | undefined) ?? 0n,
    refundsReserved: (item.refundsReserved as bigint | undefined) ?? 0n,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...(typeof item.holdSeconds === 'bigint' ? { holdSeconds: Number(item.holdSeconds) } : {}),
    ...optional('authorizedAt'),
    ...optional('authorizationExpiresAt'),
    ...units('capturedAmount'),
    ...(typeof item.voidReason === 'string' ? { voidReason: item.voidReason as VoidReason } : {}),
    ...optional('refundOf'),
    ...optional('description'),
    ...optional('reference'),
    ...units('destinationAmount'),
    ...optional('destinationCurrency'),
    ...optional('rate'),
    ...(isDestination(item.destination)
      ? { destination: { method: item.destination.method, reference: item.destination.reference } }
      : {}),
    ...(typeof item.failureReason === 'string' ? { failureReason: item.failureReason as FailureReason } : {}),
    ...(isMetadata(item.metadata) ? { metadata: { ...item.metadata } } : {}),
    ...optional('completedAt'),
    ...optional('sourceOwnerId'),
    ...optional('destinationOwnerId'),
  };
};

/** The put that claims an idempotency key, only if nobody holds it yet: alone, or within a transaction. */
export const claimPut = (table: string, claim: IdempotencyClaim) => ({
  Put: {
    TableName: table,
    Item: { ...claim },
    ConditionExpression: 'attribute_not_exists(#key)',
    ExpressionAttributeNames: { '#key': 'key' },
  },
});

// Transactions on one payment item (refunds reserved on it at once) conflict; each retry waits a little longer.
const MAX_ATTEMPTS = 8;

const fromClaimItem = (item: Record<string, unknown>): IdempotencyClaim => ({
  key: item.key as string,
  requestHash: item.requestHash as string,
  paymentId: item.paymentId as string,
  ...(typeof item.expiresAt === 'bigint' ? { expiresAt: Number(item.expiresAt) } : {}),
});

export class DynamoPaymentStore implements PaymentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    /** The payments table. */
    private readonly table: string,
    /**
     * The metadata index of payments, made on first use: a function that neither writes nor filters metadata needs no
     * binding to its table.
     */
    private readonly metadata: () => DynamoMetadataIndex<PaymentMetadataScope>,
  ) {}

  /**
   * The index entries of the payment's metadata are written first, then the payment: a stored payment is always found
   * by its metadata, and the entries of a payment a crash kept from being stored name an id the list finds nothing
   * under (a retry with the same Idempotency-Key writes them again, the same). One transaction would do the same at
   * twice the cost: DynamoDB bills each write of a transaction twice, the payment's index entries included.
   */
  async create(payment: Payment): Promise<{ created: boolean; payment: Payment }> {
    await this.indexMetadata(payment);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: toPaymentItem(payment),
          ConditionExpression: 'attribute_not_exists(id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, payment };
    } catch (error) {
      return { created: false, payment: await refusingItem(error, fromPaymentItem, () => this.findById(payment.id)) };
    }
  }

  private async indexMetadata(payment: Payment): Promise<void> {
    if (payment.metadata === undefined || Object.keys(payment.metadata).length === 0) return;
    await this.metadata().put(payment.id, payment.metadata, {
      ...(payment.sourceOwnerId === undefined ? {} : { payer: payment.sourceOwnerId }),
      ...(payment.destinationOwnerId === undefined ? {} : { payee: payment.destinationOwnerId }),
      all: EVERY_PAYMENT,
    });
  }

  /** Its metadata's index entries are written first, as for `create`. */
  async createRefund(refund: Payment, original: Payment): Promise<RefundAcceptance> {
    await this.indexMetadata(refund);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: toPaymentItem(refund),
                  ConditionExpression: 'attribute_not_exists(id)',
                },
              },
              {
                // Conditions cannot add: the refunds reserved so far may be at most what leaves room for this one.
                Update: {
                  TableName: this.table,
                  Key: { id: original.id },
                  UpdateExpression: 'ADD refundsReserved :amount',
                  ConditionExpression:
                    '#status = :completed AND (attribute_not_exists(refundsReserved) OR refundsReserved <= :most)',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':amount': refund.amount,
                    ':completed': 'COMPLETED',
                    ':most': original.amount - refund.amount,
                  },
                },
              },
            ],
          }),
        );
        return { outcome: 'created', payment: refund };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [put, reserve] = error.CancellationReasons ?? [];
        if (put?.Code === 'ConditionalCheckFailed') {
          const existing = await this.findById(refund.id);
          if (existing) return { outcome: 'existing', payment: existing };
        }
        if (reserve?.Code === 'ConditionalCheckFailed') return { outcome: 'exceeded' };
        if (attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
      }
    }
  }

  async findById(id: string): Promise<Payment | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromPaymentItem(Item) : undefined;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, Payment>> {
    return new Map((await this.load(ids)).map((payment) => [payment.id, payment]));
  }

  private async load(ids: readonly string[]): Promise<Payment[]> {
    return (await batchGet(this.client, this.table, 'id', ids)).map(fromPaymentItem);
  }

  async listPending(before: Date, limit: number, after?: string): Promise<{ payments: Payment[]; next?: string }> {
    const ids = await queryAttribute(
      this.client,
      {
        TableName: this.table,
        IndexName: 'pending',
        KeyConditionExpression: 'pending = :initiated AND id BETWEEN :low AND :high',
        ExpressionAttributeValues: {
          ':initiated': 'INITIATED',
          ':low': idBound(undefined, 'low'),
          ':high': idBound(before.toISOString(), 'high'),
        },
        ...(after === undefined ? {} : { ExclusiveStartKey: { pending: 'INITIATED', id: after } }),
      },
      'id',
      limit,
    );
    // The index lags the table a little: keep only what the table says is still INITIATED.
    const payments = (await this.load(ids)).filter((payment) => payment.status === 'INITIATED');
    const last = ids.at(-1);
    return ids.length === limit && last !== undefined ? { payments, next: last } : { payments };
  }

  async listExpiredAuthorizations(
    now: Date,
    limit: number,
    after?: string,
  ): Promise<{ payments: Payment[]; next?: string }> {
    const pages = paginateQuery(
      { client: this.client, pageSize: limit },
      {
        TableName: this.table,
        IndexName: 'authorized',
        KeyConditionExpression: 'authorized = :authorized AND authorizationExpiresAt <= :now',
        ExpressionAttributeValues: { ':authorized': 'AUTHORIZED', ':now': now.toISOString() },
        ...(after === undefined ? {} : { ExclusiveStartKey: JSON.parse(after) as Record<string, unknown> }),
      },
    );
    for await (const page of pages) {
      const ids = (page.Items ?? []).map((item) => item.id as string);
      // The index lags the table a little: keep only what the table says is still AUTHORIZED.
      const payments = (await this.load(ids)).filter((payment) => payment.status === 'AUTHORIZED');
      return page.LastEvaluatedKey === undefined
        ? { payments }
        : { payments, next: JSON.stringify(page.LastEvaluatedKey) };
    }
    return { payments: [] };
  }

  page(read: PaymentPageRead): Promise<PaymentPage> {
    return paymentPage(
      { client: this.client, table: this.table, metadata: this.metadata, fromItem: fromPaymentItem },
      read,
    );
  }
}

/** Idempotency claims on their own table: a key is claimed by a conditional put, so only one request ever holds it. */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    /** The idempotency table. */
    private readonly table: string,
  ) {}

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim> {
    try {
      await this.client.send(
        new PutCommand({ ...claimPut(this.table, claim).Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
      return claim;
    } catch (error) {
      // Another request holds the key.
      return refusingItem(error, fromClaimItem, () => this.find(claim.key));
    }
  }

  async find(key: string): Promise<IdempotencyClaim | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { key }, ConsistentRead: true }),
    );
    return Item ? fromClaimItem(Item) : undefined;
  }
}
