import { type DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { encodeCursor } from './cursor';

type QueryInput = Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'> & {
  ExclusiveStartKey?: Record<string, unknown>;
};

/**
 * Every item a query matches, following DynamoDB's pages, up to `limit` when one is given: then each page reads at most
 * `limit` items and no page is read once `limit` are found.
 */
export const queryItems = async (
  client: DynamoDBDocumentClient,
  input: QueryInput,
  limit?: number,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  // The paginator writes each page's start key into the input it is given: a copy, not the caller's.
  for await (const page of paginateQuery(
    { client, ...(limit === undefined ? {} : { pageSize: limit }) },
    { ...input },
  )) {
    items.push(...(page.Items ?? []));
    if (limit !== undefined && items.length >= limit) return items.slice(0, limit);
  }
  return items;
};

/**
 * One attribute (usually the table's key) of every item a query matches. Indexes here project keys only, so this is
 * how a listing finds what to read in full.
 */
export const queryAttribute = async (
  client: DynamoDBDocumentClient,
  input: QueryInput,
  attribute: string,
  limit?: number,
): Promise<string[]> => (await queryItems(client, input, limit)).map((item) => item[attribute] as string);

/**
 * One page of a query in key order: `limit` items, and a cursor made by `cursorOf` from the last of them when one more
 * item follows.
 */
export const queryPage = async (
  client: DynamoDBDocumentClient,
  input: QueryInput,
  limit: number,
  cursorOf: (last: Record<string, unknown>) => Record<string, unknown>,
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> => {
  const items = await queryItems(client, input, limit + 1);
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? encodeCursor(cursorOf(last)) : null };
};
