import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

/** A write refused by its ConditionExpression: the state it was conditional on no longer holds. */
export const isConditionFailure = (error: unknown): error is Error =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Writes an item only where its key is free: `false`, and nothing written, when an item holds the key already. */
export const putIfAbsent = async (
  client: DynamoDBDocumentClient,
  table: string,
  /** The partition key, which must not be a reserved word. */
  keyName: string,
  item: Record<string, unknown>,
): Promise<boolean> => {
  try {
    await client.send(
      new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: `attribute_not_exists(${keyName})`,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};
