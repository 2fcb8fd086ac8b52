import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { ExchangeRate } from '../rates/model';
import * as z from 'zod/mini';
import type { Page, PageRequest } from '../page';
import type { RateFilter, RateStore } from '../rates/ports';
import { decodeCursor } from './cursor';
import { queryPage } from './query';

const CURRENT = 'current';

const historyCursor = z.object({ before: z.string().check(z.maxLength(64), z.regex(/^[0-9T:.Z-]+#[0-9A-Z]{26}$/)) });

const rateCursor = z.object({ after: z.string().check(z.regex(/^[A-Z]{3}\/[A-Z]{3}$/)) });

const pairKey = (base: string, quote: string): string => `${base}/${quote}`;

const fromRateItem = (item: Record<string, unknown>): ExchangeRate => ({
  base: item.base as string,
  quote: item.quote as string,
  rate: item.rate as string,
  updatedAt: item.updatedAt as string,
});

export class DynamoRateStore implements RateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async find(base: string, quote: string): Promise<ExchangeRate | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: CURRENT, sk: pairKey(base, quote) }, ConsistentRead: true }),
    );
    return Item ? fromRateItem(Item) : undefined;
  }

  /** One page of the rates in force, in pair order; a base is a key prefix, a quote a filter. */
  async list(filter: RateFilter, { limit, cursor }: PageRequest): Promise<Page<ExchangeRate>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, rateCursor).after;
    const { items, nextCursor } = await queryPage(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression:
          filter.base === undefined ? 'pk = :current' : 'pk = :current AND begins_with(sk, :base)',
        ExpressionAttributeValues: {
          ':current': CURRENT,
          ...(filter.base === undefined ? {} : { ':base': `${filter.base}/` }),
          ...(filter.quote === undefined ? {} : { ':quote': filter.quote }),
        },
        ...(filter.quote === undefined
          ? {}
          : { FilterExpression: '#quote = :quote', ExpressionAttributeNames: { '#quote': 'quote' } }),
        ...(after === undefined ? {} : { ExclusiveStartKey: { pk: CURRENT, sk: after } }),
        ConsistentRead: true,
      },
      limit,
      (last) => ({ after: last.sk }),
    );
    return { data: items.map(fromRateItem), nextCursor };
  }

  async history(base: string, quote: string, { limit, cursor }: PageRequest): Promise<Page<ExchangeRate>> {
    const pair = pairKey(base, quote);
    const before = cursor === undefined ? undefined : decodeCursor(cursor, historyCursor).before;
    const { items, nextCursor } = await queryPage(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pair',
        ExpressionAttributeValues: { ':pair': pair },
        ScanIndexForward: false,
        ...(before === undefined ? {} : { ExclusiveStartKey: { pk: pair, sk: before } }),
        ConsistentRead: true,
      },
      limit,
      (last) => ({ before: last.sk }),
    );
    return { data: items.map(fromRateItem), nextCursor };
  }

  /**
   * Two operators setting one pair at once: the later `updatedAt` stays in force whichever write lands last, and both
   * go into the history.
   */
  async put(rate: ExchangeRate): Promise<void> {
    const pair = pairKey(rate.base, rate.quote);
    const history = { TableName: this.table, Item: { pk: pair, sk: `${rate.updatedAt}#${ulid()}`, ...rate } };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { pk: CURRENT, sk: pair, ...rate },
                ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :updatedAt',
                ExpressionAttributeValues: { ':updatedAt': rate.updatedAt },
              },
            },
            { Put: history },
          ],
        }),
      );
    } catch (error) {
      const newer =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (!newer) throw error;
      await this.client.send(new PutCommand(history));
    }
  }
}
