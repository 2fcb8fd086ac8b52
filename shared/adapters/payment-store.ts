import { type DynamoDBDocumentClient, GetCommand, paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import type { FailureReason, Payment, PaymentStatus, PaymentType, WithdrawalDestination } from '../payments/model';
import type {
  IdempotencyClaim,
  IdempotencyStore,
  OrderedRead,
  PaymentScope,
  PaymentStore,
  TimeRange,
} from '../payments/ports';
import { batchGet } from './batch';
import { queryAttribute } from './query';
import { refusingItem } from './conditions';
import { mergeInOrder } from './ordered';

// Payment ids are `pay_` + a lower-case ULID, whose first ten characters encode the creation time: a time range is a
// key range on any index sorted by id.
const idBound = (time: string | undefined, edge: 'low' | 'high'): string => {
  const ms = time === undefined ? (edge === 'low' ? 0 : 2 ** 48 - 1) : Date.parse(time);
  return `pay_${encodeTime(ms, 10).toLowerCase()}${(edge === 'low' ? '0' : 'z').repeat(16)}`;
};

const toPaymentItem = (payment: Payment): Record<string, unknown> => ({
  ...payment,
  // The sparse `pending` index holds INITIATED payments only; `listed` puts every payment in the `all` index.
  ...(payment.status === 'INITIATED' ? { pending: 'INITIATED' } : {}),
  listed: 'payment',
});

const isDestination = (value: unknown): value is WithdrawalDestination =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<string, unknown>).method === 'ewallet' &&
  typeof (value as Record<string, unknown>).reference === 'string';

export const fromPaymentItem = (item: Record<string, unknown>): Payment => {
  const optional = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] } : {});
  return {
    id: item.id as string,
    type: item.type as PaymentType,
    status: item.status as PaymentStatus,
    sourceAccountId: item.sourceAccountId as string,
    destinationAccountId: item.destinationAccountId as string,
    amount: item.amount as bigint,
    currency: item.currency as string,
    fee: item.fee as bigint,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...optional('description'),
    ...optional('reference'),
    ...(typeof item.destinationAmount === 'bigint' ? { destinationAmount: item.destinationAmount } : {}),
    ...optional('destinationCurrency'),
    ...optional('rate'),
    ...(isDestination(item.destination)
      ? { destination: { method: item.destination.method, reference: item.destination.reference } }
      : {}),
    ...(typeof item.failureReason === 'string' ? { failureReason: item.failureReason as FailureReason } : {}),
    ...optional('completedAt'),
    ...optional('sourceOwnerId'),
    ...optional('destinationOwnerId'),
  };
};

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
  ) {}

  async create(payment: Payment): Promise<{ created: boolean; payment: Payment }> {
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

  async findById(id: string): Promise<Payment | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromPaymentItem(Item) : undefined;
  }

  /** Ids from one index partition, in id (so creation) order, within the range. */
  private async ids(
    index: string,
    keyName: string,
    keyValue: string,
    range: TimeRange,
    limit?: number,
    after?: string,
  ): Promise<string[]> {
    const low = idBound(range.from, 'low');
    const high = idBound(range.to, 'high');
    // DynamoDB refuses a BETWEEN whose bounds are reversed; a range that ends before it starts holds nothing.
    if (low > high) return [];
    return queryAttribute(
      this.client,
      {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#key = :key AND id BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#key': keyName },
        ExpressionAttributeValues: { ':key': keyValue, ':low': low, ':high': high },
        ...(after === undefined ? {} : { ExclusiveStartKey: { [keyName]: keyValue, id: after } }),
      },
      'id',
      limit,
    );
  }

  /**
   * The ids of one index partition in id order, strictly after `after` in that order and within the range, read a page
   * of `chunk` at a time and only as far as the reader goes.
   */
  private async *idsInOrder(
    index: string,
    keyName: string,
    keyValue: string,
    { range, descending, after, chunk }: OrderedRead,
  ): AsyncGenerator<string> {
    let low = idBound(range.from, 'low');
    let high = idBound(range.to, 'high');
    // The cursor narrows the key range rather than being a start key, which DynamoDB refuses outside the range.
    if (after !== undefined && !descending && after > low) low = after;
    if (after !== undefined && descending && after < high) high = after;
    if (low > high) return;
    const pages = paginateQuery(
      { client: this.client, pageSize: chunk },
      {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#key = :key AND id BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#key': keyName },
        ExpressionAttributeValues: { ':key': keyValue, ':low': low, ':high': high },
        ScanIndexForward: !descending,
      },
    );
    // A generator: the next page is read only when the reader asks past the last id of this one.
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const id = item.id as string;
        if (id !== after) yield id;
      }
    }
  }

  async *inOrder(scope: PaymentScope, read: OrderedRead): AsyncGenerator<Payment[]> {
    const streams =
      scope === 'all'
        ? [this.idsInOrder('all', 'listed', 'payment', read)]
        : [
            this.idsInOrder('bySourceOwner', 'sourceOwnerId', scope.userId, read),
            this.idsInOrder('byDestinationOwner', 'destinationOwnerId', scope.userId, read),
          ];
    let ids: string[] = [];
    for await (const id of mergeInOrder(streams, (key) => key, read.descending)) {
      ids.push(id);
      if (ids.length === read.chunk) {
        yield await this.load(ids);
        ids = [];
      }
    }
    if (ids.length > 0) yield await this.load(ids);
  }

  private async load(ids: readonly string[]): Promise<Payment[]> {
    return (await batchGet(this.client, this.table, 'id', ids)).map(fromPaymentItem);
  }

  async listPending(before: Date, limit: number, after?: string): Promise<{ payments: Payment[]; next?: string }> {
    const ids = await this.ids('pending', 'pending', 'INITIATED', { to: before.toISOString() }, limit, after);
    // The index lags the table a little: keep only what the table says is still INITIATED.
    const payments = (await this.load(ids)).filter((payment) => payment.status === 'INITIATED');
    const last = ids.at(-1);
    return ids.length === limit && last !== undefined ? { payments, next: last } : { payments };
  }

  async listForUser(userId: string, range: TimeRange): Promise<Payment[]> {
    const [sent, received] = await Promise.all([
      this.ids('bySourceOwner', 'sourceOwnerId', userId, range),
      this.ids('byDestinationOwner', 'destinationOwnerId', userId, range),
    ]);
    return this.load([...new Set([...sent, ...received])].sort());
  }

  async listAll(range: TimeRange): Promise<Payment[]> {
    return this.load(await this.ids('all', 'listed', 'payment', range));
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
        new PutCommand({
          TableName: this.table,
          Item: { ...claim },
          ConditionExpression: 'attribute_not_exists(#key)',
          ExpressionAttributeNames: { '#key': 'key' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
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
