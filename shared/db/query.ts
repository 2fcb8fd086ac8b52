import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { encodeCursor } from './cursor';

type QueryInput = Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'> & {
  ExclusiveStartKey?: Record<string, unknown>;
};

/** Every item a query matches, following DynamoDB's pages, up to `limit` when one is given. */
export const queryItems = async (
  client: DynamoDBDocumentClient,
  input: QueryInput,
  limit?: number,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start = input.ExclusiveStartKey;
  do {
    const out = await client.send(
      new QueryCommand({
        ...input,
        ExclusiveStartKey: start,
        ...(limit === undefined ? {} : { Limit: limit - items.length }),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start && (limit === undefined || items.length < limit));
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
  cursorOf: (last: Record<string, unknown>) => unknown,
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> => {
  const items = await queryItems(client, input, limit + 1);
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? encodeCursor(cursorOf(last)) : null };
};
