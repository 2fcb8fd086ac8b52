import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AccountKind, AccountRecord, AccountStatus, Purpose, TechnicalPurpose } from '../accounts/model';
import type { AccountChanges, AccountFilter, AccountStore, AccountWalk, Conditional } from '../accounts/ports';
import type { Metadata } from '../metadata';
import { batchGet } from './batch';
import { queryAttribute, queryItems } from './query';
import { isConditionFailure, refusingItem } from './conditions';
import { DynamoMetadataIndex } from './metadata-index';

/** Every account record is listed under this value of the `listed` attribute, the partition of the byCreation index. */
const LISTED = 'account';

const createdKey = (account: Pick<AccountRecord, 'createdAt' | 'id'>) => `${account.createdAt}#${account.id}`;

/** A user's count of accounts that are not closed lives on an item of its own, which no account list reads. */
const quotaKey = (ownerId: string) => ({ id: `quota#${ownerId}` });

const toAccountItem = ({ ownerId, name, ...rest }: AccountRecord): Record<string, unknown> => ({
  ...rest,
  // Absent, not null: the byOwner index is sparse, so technical accounts never enter it.
  ...(ownerId === null ? {} : { ownerId }),
  ...(name === null ? {} : { name }),
  listed: LISTED,
  createdKey: createdKey(rest),
});

const fromAccountItem = (item: Record<string, unknown>): AccountRecord => ({
  id: item.id as string,
  kind: item.kind as AccountKind,
  purpose: item.purpose as Purpose,
  ownerId: (item.ownerId as string | undefined) ?? null,
  currency: item.currency as string,
  status: item.status as AccountStatus,
  name: (item.name as string | undefined) ?? null,
  metadata: (item.metadata as Metadata | undefined) ?? {},
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
});

// The byCreation index is read this many entries at a time; a filter may drop most of them.
const CHUNK = 100;

/** Whether an entry of the byCreation index (which projects these fields) passes the filter's record fields. */
const matches = (entry: Record<string, unknown>, filter: AccountFilter): boolean =>
  (filter.kind === undefined || entry.kind === filter.kind) &&
  (filter.purpose === undefined || entry.purpose === filter.purpose) &&
  (filter.currency === undefined || entry.currency === filter.currency) &&
  (filter.ownerId === undefined || entry.ownerId === filter.ownerId) &&
  (filter.status === undefined || entry.status === filter.status) &&
  (filter.name === undefined || (typeof entry.name === 'string' && entry.name.startsWith(filter.name)));

export class DynamoAccountStore implements AccountStore {
  private readonly metadata: DynamoMetadataIndex<'owner' | 'all'>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: { accounts: string; metadata: string },
  ) {
    this.metadata = new DynamoMetadataIndex(client, tables.metadata, 'account', ['owner', 'all']);
  }

  private indexMetadata(account: AccountRecord, metadata: Metadata): Promise<void> {
    return this.metadata.put(account.id, metadata, {
      all: LISTED,
      ...(account.ownerId === null ? {} : { owner: account.ownerId }),
    });
  }

  async insert(account: AccountRecord): Promise<void> {
    await this.indexMetadata(account, account.metadata);
    await this.client.send(
      new PutCommand({
        TableName: this.tables.accounts,
        Item: toAccountItem(account),
        ConditionExpression: 'attribute_not_exists(id)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }

  async open(account: AccountRecord & { ownerId: string }, cap: number): Promise<boolean> {
    const claimed = await this.claimSlot(account.ownerId, cap);
    if (!claimed) return false;
    try {
      await this.insert(account);
      return true;
    } catch (error) {
      await this.releaseSlot(account.ownerId);
      throw error;
    }
  }

  private async claimSlot(ownerId: string, cap: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.accounts,
          Key: quotaKey(ownerId),
          UpdateExpression: 'SET openAccounts = if_not_exists(openAccounts, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(openAccounts) OR openAccounts < :cap',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':cap': cap },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async releaseSlot(ownerId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tables.accounts,
        Key: quotaKey(ownerId),
        UpdateExpression: 'ADD openAccounts :minusOne',
        ExpressionAttributeValues: { ':minusOne': -1 },
      }),
    );
  }

  async ensure(account: AccountRecord): Promise<AccountRecord> {
    try {
      await this.insert(account);
      return account;
    } catch (error) {
      return refusingItem(error, fromAccountItem, () => this.findById(account.id));
    }
  }

  async findById(id: string): Promise<AccountRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.accounts, Key: { id }, ConsistentRead: true }),
    );
    // The heads of a technical account's shards and the users' quotas share the table, and are no accounts: they
    // have no kind.
    return Item && typeof Item.kind === 'string' ? fromAccountItem(Item) : undefined;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, AccountRecord>> {
    const items = await batchGet(this.client, this.tables.accounts, 'id', [...new Set(ids)]);
    // As `findById`: what has no kind is no account.
    return new Map(
      items.filter((item) => typeof item.kind === 'string').map((item) => [item.id as string, fromAccountItem(item)]),
    );
  }

  async listByOwner(ownerId: string): Promise<AccountRecord[]> {
    const ids = await queryAttribute(
      this.client,
      {
        TableName: this.tables.accounts,
        IndexName: 'byOwner',
        KeyConditionExpression: 'ownerId = :ownerId',
        ExpressionAttributeValues: { ':ownerId': ownerId },
      },
      'id',
    );
    return this.read(ids);
  }

  private async read(ids: readonly string[]): Promise<AccountRecord[]> {
    return (await batchGet(this.client, this.tables.accounts, 'id', ids)).map(fromAccountItem);
  }

  walkKey(account: AccountRecord, filter: AccountFilter): string {
    // The metadata index is in id order, which is creation order for the wallets that metadata is on.
    return filter.metadata === undefined ? createdKey(account) : account.id;
  }

  /**
   * Follows the byCreation index (every account, by `createdAt` then id) within the `from`/`to` range and after the
   * resume key, a chunk at a time, keeping the entries whose projected fields pass the filter, and reads those in full.
   * A metadata filter follows the metadata index instead, which answers the records holding the pair.
   */
  async walk(filter: AccountFilter, walk: AccountWalk): Promise<{ accounts: AccountRecord[]; next: string | null }> {
    if (filter.metadata !== undefined) return this.walkMetadata(filter, walk);
    const lower = filter.from === undefined ? undefined : `${filter.from}#`;
    // '$' sorts after '#' and before every id character: the upper bound takes every id of its last instant.
    const upper = filter.to === undefined ? undefined : `${filter.to}$`;
    const [low, high] = walk.descending ? [lower, walk.after ?? upper] : [walk.after ?? lower, upper];
    // DynamoDB refuses a BETWEEN whose bounds cross (`from` after `to`, or a resume key past the range): nothing is in it.
    if (low !== undefined && high !== undefined && low > high) return { accounts: [], next: null };
    const range =
      low !== undefined && high !== undefined
        ? ' AND createdKey BETWEEN :low AND :high'
        : low !== undefined
          ? ' AND createdKey >= :low'
          : high !== undefined
            ? ' AND createdKey <= :high'
            : '';
    const entries = await queryItems(
      this.client,
      {
        TableName: this.tables.accounts,
        IndexName: 'byCreation',
        KeyConditionExpression: `listed = :listed${range}`,
        ExpressionAttributeValues: {
          ':listed': LISTED,
          ...(low === undefined ? {} : { ':low': low }),
          ...(high === undefined ? {} : { ':high': high }),
        },
        ScanIndexForward: !walk.descending,
      },
      // One more than the budget tells whether the walk goes on; the resume key itself comes back first.
      walk.budget + (walk.after === undefined ? 1 : 2),
    );
    // The resume key is exclusive; BETWEEN and the comparisons above include it.
    const fresh = entries.filter((entry) => entry.createdKey !== walk.after);
    const read = fresh.slice(0, walk.budget);
    const last = read.at(-1);
    const next = fresh.length > walk.budget && last ? (last.createdKey as string) : null;
    return {
      accounts: await this.read(read.filter((entry) => matches(entry, filter)).map(({ id }) => id as string)),
      next,
    };
  }

  private async walkMetadata(filter: AccountFilter, walk: AccountWalk) {
    const { metadata } = filter;
    if (metadata === undefined) return { accounts: [], next: null };
    const ids: string[] = [];
    const scope = filter.ownerId === undefined ? 'all' : 'owner';
    const under = filter.ownerId ?? LISTED;
    const bound = walk.descending ? { below: walk.after } : { above: walk.after };
    for await (const id of this.metadata.ids(scope, under, metadata, {
      descending: walk.descending,
      chunk: CHUNK,
      ...bound,
    })) {
      ids.push(id);
      if (ids.length > walk.budget) break;
    }
    const records = await this.read(ids.slice(0, walk.budget));
    const inRange = records.filter(
      (account) =>
        matches(account as unknown as Record<string, unknown>, filter) &&
        account.metadata[metadata.key] === metadata.value &&
        (filter.from === undefined || account.createdAt >= filter.from) &&
        (filter.to === undefined || account.createdAt <= filter.to),
    );
    return { accounts: inRange, next: ids.length > walk.budget ? (ids.at(-2) ?? null) : null };
  }

  async update(current: AccountRecord, changes: AccountChanges, at: string): Promise<Conditional> {
    const { id, updatedAt } = current;
    const metadata = changes.metadata ?? current.metadata;
    const removed = Object.keys(current.metadata).filter((key) => !Object.hasOwn(metadata, key));
    await this.indexMetadata(current, metadata);
    const name = changes.name === undefined ? current.name : changes.name;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.accounts,
          Key: { id },
          UpdateExpression:
            name === null
              ? 'SET metadata = :metadata, updatedAt = :at REMOVE #name'
              : 'SET metadata = :metadata, updatedAt = :at, #name = :name',
          ConditionExpression: 'updatedAt = :seen AND #status <> :closed',
          ExpressionAttributeNames: { '#name': 'name', '#status': 'status' },
          ExpressionAttributeValues: {
            ':metadata': metadata,
            ':at': at,
            ':seen': updatedAt,
            ':closed': 'closed',
            ...(name === null ? {} : { ':name': name }),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return { done: false, account: await this.findById(id) };
      throw error;
    }
    await this.metadata.remove(id, removed);
    return { done: true, account: { ...current, name, metadata, updatedAt: at } };
  }

  async setStatus(
    id: string,
    status: 'active' | 'frozen',
    from: readonly AccountStatus[],
    at: string,
  ): Promise<Conditional> {
    const allowed = Object.fromEntries(from.map((state, index) => [`:from${index}`, state]));
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.accounts,
          Key: { id },
          UpdateExpression: 'SET #status = :status, updatedAt = :at',
          ConditionExpression: `attribute_exists(kind) AND #status IN (${Object.keys(allowed).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':at': at, ...allowed },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { done: true, account: fromAccountItem(Attributes ?? {}) };
    } catch (error) {
      if (isConditionFailure(error)) return { done: false, account: await this.findById(id) };
      throw error;
    }
  }

  /**
   * In one transaction: the account closed, on condition that it holds nothing (its head's balance and held, which a
   * wallet's item carries), and a slot of its owner's quota given back.
   */
  async close(account: AccountRecord & { ownerId: string }, at: string): Promise<Conditional> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.accounts,
                Key: { id: account.id },
                UpdateExpression: 'SET #status = :closed, updatedAt = :at',
                ConditionExpression:
                  'attribute_exists(kind) AND #status <> :closed AND ' +
                  '(attribute_not_exists(balance) OR balance = :zero) AND (attribute_not_exists(held) OR held = :zero)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':closed': 'closed', ':at': at, ':zero': 0 },
              },
            },
            {
              Update: {
                TableName: this.tables.accounts,
                Key: quotaKey(account.ownerId),
                UpdateExpression: 'ADD openAccounts :minusOne',
                ExpressionAttributeValues: { ':minusOne': -1 },
              },
            },
          ],
        }),
      );
      return { done: true, account: { ...account, status: 'closed', updatedAt: at } };
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionCanceledException') {
        return { done: false, account: await this.findById(account.id) };
      }
      throw error;
    }
  }

  async technical(): Promise<{ id: string; purpose: TechnicalPurpose; currency: string }[]> {
    const items = await queryItems(this.client, {
      TableName: this.tables.accounts,
      IndexName: 'byKind',
      KeyConditionExpression: '#kind = :technical',
      ExpressionAttributeNames: { '#kind': 'kind', '#id': 'id', '#purpose': 'purpose', '#currency': 'currency' },
      ExpressionAttributeValues: { ':technical': 'technical' },
      ProjectionExpression: '#id, #purpose, #currency',
    });
    return items.map((item) => ({
      id: item.id as string,
      purpose: item.purpose as TechnicalPurpose,
      currency: item.currency as string,
    }));
  }
}
