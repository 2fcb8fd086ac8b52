import { type DynamoDBDocumentClient, GetCommand, paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { AccountKind, AccountRecord, AccountStatus, Purpose, TechnicalPurpose } from '../accounts/model';
import type { AccountFilter, AccountStore } from '../accounts/ports';
import type { Page, PageRequest } from '../page';
import { batchGet } from './batch';
import { queryAttribute, queryItems } from './query';
import { decodeCursor, encodeCursor } from './cursor';
import { refusingItem } from './conditions';

const toAccountItem = ({ ownerId, name, ...rest }: AccountRecord): Record<string, unknown> => ({
  ...rest,
  // Absent, not null: the byOwner index is sparse, so technical accounts never enter it.
  ...(ownerId === null ? {} : { ownerId }),
  ...(name === null ? {} : { name }),
});

const fromAccountItem = (item: Record<string, unknown>): AccountRecord => ({
  id: item.id as string,
  kind: item.kind as AccountKind,
  purpose: item.purpose as Purpose,
  ownerId: (item.ownerId as string | undefined) ?? null,
  currency: item.currency as string,
  status: item.status as AccountStatus,
  name: (item.name as string | undefined) ?? null,
  createdAt: item.createdAt as string,
  updatedAt: item.updatedAt as string,
});

const KINDS: readonly AccountKind[] = ['technical', 'user'];
const listCursor = z.object({ kind: z.enum(['technical', 'user']), after: z.string().check(z.maxLength(128)) });

// Index pages are read in chunks of this many keys; a filter may drop most of a chunk.
const CHUNK = 100;

export class DynamoAccountStore implements AccountStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async insert(account: AccountRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: toAccountItem(account),
        ConditionExpression: 'attribute_not_exists(id)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    // The heads of a technical account's shards share the table, and are no accounts: they have no kind.
    return Item && typeof Item.kind === 'string' ? fromAccountItem(Item) : undefined;
  }

  async listByOwner(ownerId: string): Promise<AccountRecord[]> {
    const ids = await queryAttribute(
      this.client,
      {
        TableName: this.table,
        IndexName: 'byOwner',
        KeyConditionExpression: 'ownerId = :ownerId',
        ExpressionAttributeValues: { ':ownerId': ownerId },
      },
      'id',
    );
    return (await batchGet(this.client, this.table, 'id', ids)).map(fromAccountItem);
  }

  async technical(): Promise<{ id: string; purpose: TechnicalPurpose; currency: string }[]> {
    const items = await queryItems(this.client, {
      TableName: this.table,
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

  /**
   * Walks the byKind index (technical accounts, then user accounts, each in id order), filtering on the attributes
   * the index projects; a balance is never projected, so moving money never writes to it. The cursor names the last
   * account returned, so a page that stops mid-chunk resumes exactly after it.
   */
  async list(filter: AccountFilter, { limit, cursor }: PageRequest): Promise<Page<AccountRecord>> {
    const from = cursor === undefined ? undefined : decodeCursor(cursor, listCursor);
    const kinds = KINDS.filter((kind) => filter.kind === undefined || kind === filter.kind).filter(
      (kind) => from === undefined || KINDS.indexOf(kind) >= KINDS.indexOf(from.kind),
    );
    const { expression, names, values } = filterExpression(filter);
    const ids: { kind: AccountKind; id: string }[] = [];
    let more = false;

    for (const kind of kinds) {
      let start: Record<string, unknown> | undefined = from?.kind === kind ? { kind, id: from.after } : undefined;
      const pages = paginateQuery(
        { client: this.client, pageSize: CHUNK },
        {
          TableName: this.table,
          IndexName: 'byKind',
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': 'kind', ...names },
          ExpressionAttributeValues: { ':kind': kind, ...values },
          ExclusiveStartKey: start,
          ...(expression ? { FilterExpression: expression } : {}),
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          if (ids.length === limit) {
            more = true;
            break;
          }
          ids.push({ kind, id: item.id as string });
        }
        start = page.LastEvaluatedKey;
        if (more) break;
      }
      if (more) break;
      if (ids.length === limit) {
        more = kinds.indexOf(kind) < kinds.length - 1 || start !== undefined;
        break;
      }
    }

    const data = (
      await batchGet(
        this.client,
        this.table,
        'id',
        ids.map(({ id }) => id),
      )
    ).map(fromAccountItem);
    const last = ids.at(-1);
    return { data, nextCursor: more && last ? encodeCursor({ kind: last.kind, after: last.id }) : null };
  }
}

const filterExpression = ({ purpose, currency, ownerId, status }: AccountFilter) => {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const add = (attribute: string, value: string | undefined) => {
    if (value === undefined) return;
    clauses.push(`#${attribute} = :${attribute}`);
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
  };
  add('purpose', purpose);
  add('currency', currency);
  add('ownerId', ownerId);
  add('status', status);
  return { expression: clauses.join(' AND '), names, values };
};
