import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  DeleteCommand,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { EmailTakenError } from '../errors';
import type { Page, PageRequest } from '../page';
import type { Confirmation, Role, TokenRecord, UserRecord } from '../users/model';
import type { SignInAttempts, TokenStore, UserStore } from '../users/ports';
import { batchGet } from './batch';
import { decodeCursor, encodeCursor } from './cursor';
import { isConditionFailure, writtenIf } from './conditions';
import { queryAttribute } from './query';

const userKey = (id: string) => ({ pk: `user#${id}` });
const emailKey = (email: string) => ({ pk: `email#${email}` });
const signInKey = (email: string) => ({ pk: `signin#${email}` });

// Read in place of a user when an email is unknown, so that finding a user costs two reads whether or not it exists.
const NO_USER_ID = 'usr_00000000000000000000000000';

const fromUserItem = (item: Record<string, unknown>): UserRecord => ({
  id: item.id as string,
  email: item.email as string,
  name: (item.name as string | undefined) ?? null,
  role: item.role as Role,
  emailVerified: item.emailVerified === true,
  createdAt: item.createdAt as string,
  passwordHash: item.passwordHash as string,
  ...(item.confirmation ? { confirmation: item.confirmation as Confirmation } : {}),
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
    const claimed = typeof Item?.userId === 'string';
    const user = await this.findById(claimed ? (Item.userId as string) : NO_USER_ID);
    return claimed ? user : undefined;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(id),
        UpdateExpression: 'SET passwordHash = :hash',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':hash': passwordHash },
      }),
    );
  }

  async makeAdmin(id: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(id),
        UpdateExpression: 'SET #role = :admin, emailVerified = :true REMOVE confirmation',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':admin': 'admin', ':true': true },
      }),
    );
  }

  replaceConfirmation(id: string, confirmation: Confirmation, previousSentAt: string | undefined): Promise<boolean> {
    return writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKey(id),
          UpdateExpression: 'SET confirmation = :confirmation',
          ConditionExpression:
            'attribute_exists(pk) AND emailVerified = :false AND ' +
            (previousSentAt === undefined ? 'attribute_not_exists(confirmation)' : 'confirmation.sentAt = :previous'),
          ExpressionAttributeValues: {
            ':confirmation': confirmation,
            ':false': false,
            ...(previousSentAt === undefined ? {} : { ':previous': previousSentAt }),
          },
        }),
      ),
    );
  }

  confirm(id: string, hash: string, now: Date): Promise<boolean> {
    return writtenIf(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: userKey(id),
          UpdateExpression: 'SET emailVerified = :true REMOVE confirmation',
          ConditionExpression: 'confirmation.#hash = :hash AND confirmation.expiresAt > :now',
          ExpressionAttributeNames: { '#hash': 'hash' },
          ExpressionAttributeValues: { ':true': true, ':hash': hash, ':now': now.toISOString() },
        }),
      ),
    );
  }
}

/**
 * Failed sign-ins at `signin#<email>` in the users table: a count and the end of its window, and a `ttl` at that end
 * so that DynamoDB removes the item once it no longer matters.
 */
export class DynamoSignInAttempts implements SignInAttempts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async current(email: string, now: Date): Promise<{ failures: number; windowEndsAt: Date } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: signInKey(email), ConsistentRead: true }),
    );
    const windowEndsAt = Number(Item?.windowEndsAt ?? 0);
    return Item && windowEndsAt > now.getTime()
      ? { failures: Number(Item.failures), windowEndsAt: new Date(windowEndsAt) }
      : undefined;
  }

  async recordFailure(email: string, now: Date, windowMs: number): Promise<void> {
    // Count in the open window; failing that, open one. Either write is conditional, so concurrent failures all count.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: signInKey(email),
            UpdateExpression: 'ADD failures :one',
            ConditionExpression: 'windowEndsAt > :now',
            ExpressionAttributeValues: { ':one': 1, ':now': now.getTime() },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const windowEndsAt = now.getTime() + windowMs;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...signInKey(email), failures: 1, windowEndsAt, ttl: Math.ceil(windowEndsAt / 1000) },
            ConditionExpression: 'attribute_not_exists(pk) OR windowEndsAt <= :now',
            ExpressionAttributeValues: { ':now': now.getTime() },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`Could not count a failed sign-in for ${email}`);
  }

  async clear(email: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: signInKey(email) }));
  }
}

const fromTokenItem = (item: Record<string, unknown>): TokenRecord => ({
  id: item.id as string,
  userId: item.userId as string,
  name: (item.name as string | undefined) ?? null,
  hash: item.hash as string,
  createdAt: item.createdAt as string,
  // A record from before tokens expired has no expiry: it counts as expired, never as eternal.
  expiresAt: typeof item.expiresAt === 'string' ? item.expiresAt : (item.createdAt as string),
  ...(typeof item.lastUsedAt === 'string' ? { lastUsedAt: item.lastUsedAt } : {}),
});

const tokenCursor = z.object({ after: z.string().check(z.regex(/^tok_[0-9a-z]{26}$/)) });

/**
 * Each user's register of tokens, `id = user#<userId>` in the tokens table: the expiry of every token it holds
 * (`live`, by token id) and a `version` that every change bumps. A token is stored in one transaction with its register
 * on condition that the version is the one read, so concurrent sign-ins can never take a user past the cap, and
 * revoking all finds every token with one strongly consistent read. The register has no `userId`, so the `byUser`
 * index never lists it.
 */
const registerKey = (userId: string) => ({ id: `user#${userId}` });

const MAX_ATTEMPTS = 20;

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async register(userId: string): Promise<{ version: number; live: Map<string, number> }> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: registerKey(userId), ConsistentRead: true }),
    );
    const live = Object.entries((Item?.live ?? {}) as Record<string, bigint>).map(
      ([id, expiresAt]) => [id, Number(expiresAt)] as const,
    );
    return { version: Number(Item?.version ?? 0), live: new Map(live) };
  }

  async insertWithin(token: TokenRecord, max: number, now: Date): Promise<boolean> {
    const { name, ...rest } = token;
    for (let attempt = 1; ; attempt++) {
      const { version, live } = await this.register(token.userId);
      const kept = [...live].filter(([, expiresAt]) => expiresAt > now.getTime());
      if (kept.length >= max) return false;
      const expiresAt = Date.parse(token.expiresAt);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: { ...rest, ...(name === null ? {} : { name }), ttl: Math.ceil(expiresAt / 1000) },
                  ConditionExpression: 'attribute_not_exists(id)',
                },
              },
              {
                Put: {
                  TableName: this.table,
                  Item: {
                    ...registerKey(token.userId),
                    live: Object.fromEntries([...kept, [token.id, expiresAt]]),
                    version: version + 1,
                  },
                  ConditionExpression: 'attribute_not_exists(id) OR version = :version',
                  ExpressionAttributeValues: { ':version': version },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        // Another sign-in or a revocation changed the register since it was read: read it again, a little later.
        if (!(error instanceof TransactionCanceledException) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    if (!id.startsWith('tok_')) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? fromTokenItem(Item) : undefined;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, TokenRecord>> {
    const tokens = (
      await batchGet(
        this.client,
        this.table,
        'id',
        [...new Set(ids)].filter((id) => id.startsWith('tok_')),
      )
    ).map(fromTokenItem);
    return new Map(tokens.map((token) => [token.id, token]));
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

  /** Deletes one token of the user and takes it off the register, in one transaction. */
  async deleteOwned(id: string, userId: string): Promise<boolean> {
    if (!id.startsWith('tok_')) return false;
    // A token from before registers existed is on none: REMOVE of a path under a missing map would be refused.
    const listed = (await this.register(userId)).live.has(id);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: { id },
                ConditionExpression: 'userId = :userId',
                ExpressionAttributeValues: { ':userId': userId },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: registerKey(userId),
                UpdateExpression: listed ? 'REMOVE live.#id ADD version :one' : 'ADD version :one',
                ...(listed ? { ExpressionAttributeNames: { '#id': id } } : {}),
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw error;
    }
  }

  async deleteAllOwned(userId: string): Promise<string[]> {
    // The register names every token issued since it exists; the index, eventually consistent, adds older ones.
    const [{ live }, indexed] = await Promise.all([
      this.register(userId),
      queryAttribute(
        this.client,
        {
          TableName: this.table,
          IndexName: 'byUser',
          KeyConditionExpression: 'userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
        },
        'id',
      ),
    ]);
    const ids = [...new Set([...live.keys(), ...indexed])];
    const deleted = await Promise.all(ids.map(async (id) => ((await this.deleteOwned(id, userId)) ? [id] : [])));
    return deleted.flat();
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
