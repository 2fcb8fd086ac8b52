import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

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
