import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// BatchGetItem takes at most 100 keys and may answer only part of them (UnprocessedKeys) under load.
const MAX_KEYS = 100;
const MAX_ATTEMPTS = 8;

/** Reads items by key, strongly consistent, in the order of the keys given; missing items are skipped. */
export const batchGet = async (
  client: DynamoDBDocumentClient,
  table: string,
  keyName: string,
  ids: readonly string[],
): Promise<Record<string, unknown>[]> => {
  const found = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < ids.length; start += MAX_KEYS) {
    let keys: Record<string, unknown>[] | undefined = ids
      .slice(start, start + MAX_KEYS)
      .map((id) => ({ [keyName]: id }));
    for (let attempt = 0; keys && keys.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed on ${table}`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
      const out: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[table] ?? []) found.set(String(item[keyName]), item);
      keys = out.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return ids.flatMap((id) => {
    const item = found.get(id);
    return item ? [item] : [];
  });
};
