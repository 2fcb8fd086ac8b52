import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch';
import { queryAttribute } from './query';
import type { Connection } from '../realtime/model';
import type { ConnectionStore } from '../realtime/ports';

const fromConnectionItem = (item: Record<string, unknown>): Connection => ({
  connectionId: item.connectionId as string,
  userId: item.userId as string,
  // A connection recorded before connections knew their token is served by none.
  tokenId: typeof item.tokenId === 'string' ? item.tokenId : '',
  connectedAt: item.connectedAt as string,
  expiresAt: Number(item.expiresAt),
});

export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(connection: Connection): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...connection } }));
  }

  async find(connectionId: string): Promise<Connection | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { connectionId }, ConsistentRead: true }),
    );
    return Item ? fromConnectionItem(Item) : undefined;
  }

  async findMany(connectionIds: readonly string[]): Promise<Map<string, Connection>> {
    const items = await batchGet(this.client, this.table, 'connectionId', [...new Set(connectionIds)]);
    return new Map(items.map((item) => [item.connectionId as string, fromConnectionItem(item)]));
  }

  async delete(connectionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: { connectionId } }));
  }

  listByUser(userId: string): Promise<string[]> {
    return this.idsBy('byUser', 'userId', userId);
  }

  listByToken(tokenId: string): Promise<string[]> {
    return this.idsBy('byToken', 'tokenId', tokenId);
  }

  /** The connection ids an index lists under one key. */
  private idsBy(index: string, key: string, value: string): Promise<string[]> {
    return queryAttribute(
      this.client,
      {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: `${key} = :${key}`,
        ExpressionAttributeValues: { [`:${key}`]: value },
      },
      'connectionId',
    );
  }
}
