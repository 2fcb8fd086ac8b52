import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DELIVERY_RETENTION_DAYS, type Delivery, type DeliveryStatus } from '../webhooks/model';
import type { DeliveryStore } from '../webhooks/ports';
import { isConditionFailure } from './conditions';
import { takePage, walkIndex } from './ordered';

// A page reads at most this many deliveries per one it may show: a `status` filter answers a short page rather than
// reading on through a long history.
const READ_BUDGET_FACTOR = 5;

const fromDeliveryItem = (item: Record<string, unknown>): Delivery => ({
  webhookId: item.webhookId as string,
  id: item.id as string,
  eventId: item.eventId as string,
  paymentId: item.paymentId as string,
  status: item.status as DeliveryStatus,
  attempts: Number(item.attempts),
  ...(typeof item.lastStatusCode === 'bigint' ? { lastStatusCode: Number(item.lastStatusCode) } : {}),
  ...(typeof item.lastError === 'string' ? { lastError: item.lastError } : {}),
  ...(typeof item.nextAttemptAt === 'string' ? { nextAttemptAt: item.nextAttemptAt } : {}),
  createdAt: item.createdAt as string,
});

export class DynamoDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...delivery,
            expiresAt: Math.floor(Date.parse(delivery.createdAt) / 1000) + DELIVERY_RETENTION_DAYS * 24 * 60 * 60,
          },
          ConditionExpression: 'attribute_not_exists(id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { delivery, created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = (error as { Item?: Record<string, unknown> }).Item;
      const existing = item ? fromDeliveryItem(item) : await this.find(delivery.webhookId, delivery.id);
      if (!existing) throw error;
      return { delivery: existing, created: false };
    }
  }

  async find(webhookId: string, id: string): Promise<Delivery | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { webhookId, id }, ConsistentRead: true }),
    );
    return Item ? fromDeliveryItem(Item) : undefined;
  }

  async claim(webhookId: string, id: string, made: number, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { webhookId, id },
          UpdateExpression: 'SET attempts = :next, lastAttemptAt = :at',
          ConditionExpression: '#status = :pending AND attempts = :made',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':made': made,
            ':next': made + 1,
            ':at': at.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async settle(
    webhookId: string,
    id: string,
    outcome: { status: DeliveryStatus; statusCode?: number; error?: string; nextAttemptAt?: string },
  ): Promise<void> {
    const fields: [string, unknown][] = [
      ['lastStatusCode', outcome.statusCode],
      ['lastError', outcome.error],
      ['nextAttemptAt', outcome.nextAttemptAt],
    ];
    const set = fields.filter(([, value]) => value !== undefined);
    const removed = fields.filter(([, value]) => value === undefined).map(([name]) => name);
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { webhookId, id },
        UpdateExpression:
          `SET #status = :status${set.map(([name]) => `, ${name} = :${name}`).join('')}` +
          (removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': outcome.status,
          ...Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])),
        },
      }),
    );
  }

  async page(
    webhookId: string,
    read: { status?: DeliveryStatus | undefined; limit: number; position?: string | undefined },
  ): Promise<{ deliveries: Delivery[]; resumeAt: string | null }> {
    const walk = walkIndex(this.client, {
      table: this.table,
      keyName: 'webhookId',
      keyValue: webhookId,
      sortName: 'id',
      descending: false,
      above: read.position,
      chunk: read.limit + 1,
    });
    const { kept, resumeAt } = await takePage(walk, {
      keep: (item) => read.status === undefined || item.status === read.status,
      keyOf: (item) => item.id as string,
      limit: read.limit,
      budget: READ_BUDGET_FACTOR * read.limit,
    });
    return { deliveries: kept.map(fromDeliveryItem), resumeAt };
  }
}
