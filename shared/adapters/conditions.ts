import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { unmarshalling } from './client';

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

/**
 * The item that failed a conditional write, for a caller that takes the winner of a race as its answer: from the
 * refusal itself when the write asked for it (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`), which saves a read;
 * else, with an emulator that does not send it, by `read`. The document client leaves errors as DynamoDB sent them, so
 * the item is unmarshalled here as the client unmarshalls what it answers. Rethrows `error` when it is not a condition
 * failure, or when no item is found after all.
 */
export const refusingItem = async <T>(
  error: unknown,
  parse: (item: Record<string, unknown>) => T,
  read: () => Promise<T | undefined>,
): Promise<T> => {
  if (!isConditionFailure(error)) throw error;
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  const found = item ? parse(unmarshall(item, unmarshalling)) : await read();
  if (found === undefined) throw error;
  return found;
};

/** Whether a conditional write was made: false when its condition did not hold, any other failure thrown. */
export const writtenIf = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};
