import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_TRANSACTION_ITEMS } from '../ledger/commitments';
import { EVENT_RETENTION_DAYS, type EventType, type PaymentEvent } from '../events/model';
import { audienceOf } from '../payments/model';
import type { EventPage, EventRead, EventScope, EventStore } from '../events/ports';
import { batchGet } from './batch';
import { putIfAbsent } from './conditions';
import { mergeInOrder, takePage, walkIndex } from './ordered';
import { fromPaymentItem } from './payment-store';
import { queryAttribute } from './query';

// A page reads at most this many index entries per item it may show: a selective `type` filter answers a short page
// (with a cursor) rather than reading on through a long history.
const READ_BUDGET_FACTOR = 5;

const toEventItem = (event: PaymentEvent): Record<string, unknown> => {
  const { payer, payee } = audienceOf(event.payment);
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    paymentId: event.payment.id,
    payment: { ...event.payment },
    // Every event in the `all` index; in the payer's and the payee's only for those who may see it.
    listed: 'event',
    ...(payer === undefined ? {} : { payerId: payer }),
    ...(payee === undefined ? {} : { payeeId: payee }),
    expiresAt: Math.floor(Date.parse(event.createdAt) / 1000) + EVENT_RETENTION_DAYS * 24 * 60 * 60,
  };
};

const fromEventItem = (item: Record<string, unknown>): PaymentEvent => ({
  id: item.id as string,
  type: item.type as EventType,
  createdAt: item.createdAt as string,
  payment: fromPaymentItem(item.payment as Record<string, unknown>),
});

const maySee = (item: Record<string, unknown>, scope: EventScope): boolean =>
  scope === 'all' || item.payerId === scope.userId || item.payeeId === scope.userId;

export class DynamoEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  put(event: PaymentEvent): Promise<boolean> {
    return putIfAbsent(this.client, this.table, 'id', toEventItem(event));
  }

  async putPushed(events: readonly PaymentEvent[]): Promise<void> {
    const items = events.map((event) => ({ ...toEventItem(event), pushed: true }));
    try {
      // A transaction is DynamoDB's only write of several items at once that takes a condition: one request per batch.
      for (let start = 0; start < items.length; start += MAX_TRANSACTION_ITEMS) {
        const chunk = items.slice(start, start + MAX_TRANSACTION_ITEMS);
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: chunk.map((Item) => ({
              Put: { TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(id)' },
            })),
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // One of them is stored already: each is written on its own, once.
      await Promise.all(items.map((item) => putIfAbsent(this.client, this.table, 'id', item)));
    }
  }

  async pushedOf(ids: readonly string[]): Promise<Map<string, boolean>> {
    const items = await batchGet(this.client, this.table, 'id', [...new Set(ids)]);
    return new Map(items.map((item) => [item.id as string, item.pushed === true]));
  }

  async find(id: string): Promise<PaymentEvent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromEventItem(Item) : undefined;
  }

  async page(scope: EventScope, read: EventRead): Promise<EventPage> {
    return read.paymentId === undefined
      ? this.pageInOrder(scope, read)
      : this.pageOfPayment(scope, read.paymentId, read);
  }

  /** Bounds of the id range a read covers, both exclusive: the `after` filter and the page's position. */
  private bounds({ descending, after, position }: EventRead): { above?: string; below?: string } {
    if (!descending) {
      const above =
        after !== undefined && position !== undefined ? (after > position ? after : position) : (after ?? position);
      return above === undefined ? {} : { above };
    }
    return { ...(after === undefined ? {} : { above: after }), ...(position === undefined ? {} : { below: position }) };
  }

  /** Walks the scope's index (both, merged, for a user) in id order, keeping the events of the wanted type. */
  private async pageInOrder(scope: EventScope, read: EventRead): Promise<EventPage> {
    const walk = (index: string, keyName: string, keyValue: string) =>
      walkIndex(this.client, {
        table: this.table,
        index,
        keyName,
        keyValue,
        sortName: 'id',
        descending: read.descending,
        ...this.bounds(read),
        chunk: read.limit + 1,
      });
    const streams =
      scope === 'all'
        ? [walk('all', 'listed', 'event')]
        : [walk('byPayer', 'payerId', scope.userId), walk('byPayee', 'payeeId', scope.userId)];
    const { kept, resumeAt } = await takePage(
      mergeInOrder(streams, (entry) => entry.id as string, read.descending),
      {
        keep: (entry) => read.type === undefined || entry.type === read.type,
        keyOf: (entry) => entry.id as string,
        limit: read.limit,
        budget: READ_BUDGET_FACTOR * read.limit,
      },
    );
    const ids = kept.map((entry) => entry.id as string);
    const events = (await batchGet(this.client, this.table, 'id', ids)).map(fromEventItem);
    return { events, resumeAt };
  }

  /** A payment has a handful of events: read them all, and keep what the scope may see of them. */
  private async pageOfPayment(scope: EventScope, paymentId: string, read: EventRead): Promise<EventPage> {
    const ids = await queryAttribute(
      this.client,
      {
        TableName: this.table,
        IndexName: 'byPayment',
        KeyConditionExpression: 'paymentId = :paymentId',
        ExpressionAttributeValues: { ':paymentId': paymentId },
        ScanIndexForward: !read.descending,
      },
      'id',
    );
    const { above, below } = this.bounds(read);
    const wanted = ids.filter((id) => (above === undefined || id > above) && (below === undefined || id < below));
    const items = (await batchGet(this.client, this.table, 'id', wanted)).filter(
      (item) => maySee(item, scope) && (read.type === undefined || item.type === read.type),
    );
    const page = items.slice(0, read.limit);
    const last = page.at(-1);
    return {
      events: page.map(fromEventItem),
      resumeAt: items.length > read.limit && last ? (last.id as string) : null,
    };
  }
}
