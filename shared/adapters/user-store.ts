import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  DeleteCommand,
  type DeleteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { EmailTakenError } from '../errors';
import type { Page, PageRequest } from '../page';
import type { Role, TokenRecord, UserRecord } from '../users/model';
import type { TokenStore, UserStore } from '../users/ports';
import { batchGet } from './batch';
import { decodeCursor, encodeCursor } from './cursor';
import { isConditionFailure } from './conditions';

const userKey = (id: string) => ({ pk: `user#${id}` });
const emailKey = (email: string) => ({ pk: `email#${email}` });

const fromUserItem = (item: Record<string, unknown>): UserRecord => ({
  id: item.id as string,
  email: item.email as string,
  name: (item.name as string | undefined) ?? null,
  role: item.role as Role,
  createdAt: item.createdAt as string,
  passwordHash: item.passwordHash as string,
});

/** Users live at `user#<id>`; `email#<email>` claims the email, so two sign-ups can never share one. */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async insert(user: UserRecord): Promise<void> {
    const { name, ...rest } = user;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...emailKey(user.email), userId: user.id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...userKey(user.id), ...rest, ...(name === null ? {} : { name }) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        throw new EmailTakenError();
      }
      throw error;
    }
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: userKey(id), ConsistentRead: true }),
    );
    return Item ? fromUserItem(Item) : undefined;
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: emailKey(email), ConsistentRead: true }),
    );
    return typeof Item?.userId === 'string' ? this.findById(Item.userId) : undefined;
  }

  async setRole(id: string, role: Role): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(id),
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': role },
      }),
    );
  }
}

const fromTokenItem = (item: Record<string, unknown>): TokenRecord => ({
  id: item.id as string,
  userId: item.userId as string,
  name: (item.name as string | undefined) ?? null,
  hash: item.hash as string,
  createdAt: item.createdAt as string,
  ...(typeof item.lastUsedAt === 'string' ? { lastUsedAt: item.lastUsedAt } : {}),
});

const tokenCursor = z.object({ after: z.string().check(z.regex(/^tok_[0-9a-z]{26}$/)) });

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async insert(token: TokenRecord): Promise<void> {
    const { name, ...rest } = token;
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...rest, ...(name === null ? {} : { name }) },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromTokenItem(Item) : undefined;
  }

  async listByUser(userId: string, { limit, cursor }: PageRequest): Promise<Page<TokenRecord>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, tokenCursor).after;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byUser',
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: { userId, id: after } }),
      }),
    );
    const ids = (out.Items ?? []).map((item) => item.id as string);
    // The index is eventually consistent: a token revoked a moment ago may still be listed there, not in the table.
    const data = (await batchGet(this.client, this.table, 'id', ids)).map(fromTokenItem);
    const last: unknown = out.LastEvaluatedKey?.id;
    return { data, nextCursor: typeof last === 'string' ? encodeCursor({ after: last }) : null };
  }

  async deleteOwned(id: string, userId: string): Promise<boolean> {
    const out: DeleteCommandOutput | undefined = await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: { id },
          ConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
          ReturnValuesOnConditionCheckFailure: 'NONE',
          ReturnValues: 'ALL_OLD',
        }),
      )
      .catch((error: unknown) => {
        if (isConditionFailure(error)) return undefined;
        throw error;
      });
    return out?.Attributes !== undefined;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':at': at },
        }),
      )
      .catch((error: unknown) => {
        // Revoked between the read and this write: nothing to record.
        if (isConditionFailure(error)) return;
        throw error;
      });
  }
}
