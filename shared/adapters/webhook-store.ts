import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EventType } from '../events/model';
import type { Webhook, WebhookStatus } from '../webhooks/model';
import type { WebhookStore } from '../webhooks/ports';
import { isConditionFailure } from './conditions';
import { queryItems } from './query';

const toWebhookItem = (webhook: Webhook): Record<string, unknown> => ({
  ...webhook,
  // The sparse index of the endpoints that receive every event: operators' only.
  ...(webhook.scope === 'all' ? { receivesAll: 'all' } : {}),
});

const fromWebhookItem = (item: Record<string, unknown>): Webhook => ({
  id: item.id as string,
  ownerId: item.ownerId as string,
  scope: item.scope === 'all' ? 'all' : 'own',
  url: item.url as string,
  events: item.events as EventType[],
  description: item.description as string,
  status: item.status as WebhookStatus,
  secret: item.secret as string,
  createdAt: item.createdAt as string,
  ...(typeof item.failingSince === 'string' ? { failingSince: item.failingSince } : {}),
});

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(webhook: Webhook): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: toWebhookItem(webhook),
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async find(id: string): Promise<Webhook | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromWebhookItem(Item) : undefined;
  }

  async listByOwner(ownerId: string, page: { limit: number; position?: string | undefined }): Promise<Webhook[]> {
    const items = await queryItems(
      this.client,
      {
        TableName: this.table,
        IndexName: 'byOwner',
        KeyConditionExpression:
          page.position === undefined ? 'ownerId = :ownerId' : 'ownerId = :ownerId AND id > :position',
        ExpressionAttributeValues: {
          ':ownerId': ownerId,
          ...(page.position === undefined ? {} : { ':position': page.position }),
        },
      },
      page.limit,
    );
    return items.map(fromWebhookItem);
  }

  async countByOwner(ownerId: string): Promise<number> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byOwner',
        KeyConditionExpression: 'ownerId = :ownerId',
        ExpressionAttributeValues: { ':ownerId': ownerId },
        Select: 'COUNT',
      }),
    );
    return out.Count ?? 0;
  }

  async delete(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: { id } }));
  }

  async subscribersOf(userIds: readonly string[]): Promise<Webhook[]> {
    const byKey = (index: string, keyName: string, keyValue: string) =>
      queryItems(this.client, {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#key = :key',
        ExpressionAttributeNames: { '#key': keyName },
        ExpressionAttributeValues: { ':key': keyValue },
      });
    const found = (
      await Promise.all([
        byKey('receivesAll', 'receivesAll', 'all'),
        ...userIds.map((userId) => byKey('byOwner', 'ownerId', userId)),
      ])
    ).flat();
    // An operator's endpoint is in both when the operator is also a party.
    return [...new Map(found.map((item) => [item.id as string, fromWebhookItem(item)])).values()];
  }

  async recordFailure(id: string, at: Date): Promise<string | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET failingSince = if_not_exists(failingSince, :at)',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes?.failingSince as string | undefined;
    } catch (error) {
      // Deleted meanwhile: there is no endpoint left to note anything on.
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async recordSuccess(id: string): Promise<void> {
    await this.update(id, 'REMOVE failingSince');
  }

  async disable(id: string): Promise<void> {
    await this.update(id, 'SET #status = :disabled', { '#status': 'status' }, { ':disabled': 'disabled' });
  }

  private async update(
    id: string,
    expression: string,
    names?: Record<string, string>,
    values?: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(id)',
          ...(names ? { ExpressionAttributeNames: names } : {}),
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
