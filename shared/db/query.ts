import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * One attribute (usually the table's key) of every item a query matches, following DynamoDB's pages, up to `limit`
 * when one is given. Indexes here project keys only, so this is how a listing finds what to read in full.
 */
export const queryAttribute = async (
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'> & { ExclusiveStartKey?: Record<string, unknown> },
  attribute: string,
  limit?: number,
): Promise<string[]> => {
  const values: string[] = [];
  let start = input.ExclusiveStartKey;
  do {
    const out = await client.send(
      new QueryCommand({
        ...input,
        ExclusiveStartKey: start,
        ...(limit === undefined ? {} : { Limit: limit - values.length }),
      }),
    );
    values.push(...(out.Items ?? []).map((item) => item[attribute] as string));
    start = out.LastEvaluatedKey;
  } while (start && (limit === undefined || values.length < limit));
  return values;
};
