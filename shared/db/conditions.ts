import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { unmarshalling } from './client';

/** A write refused by its ConditionExpression: the state it was conditional on no longer holds. */
export const isConditionFailure = (error: unknown): error is Error =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/**
 * The item that failed a write's condition, when the write asked for it (`ReturnValuesOnConditionCheckFailure:
 * 'ALL_OLD'`): one request where a refused write and a read of the same item took two. The document client leaves
 * errors as DynamoDB sent them, so the item is unmarshalled here, as the client unmarshalls what it answers. Undefined
 * when the error carries no item (an emulator that does not send it): the caller then reads the item.
 */
export const itemOfConditionFailure = (error: Error): Record<string, unknown> | undefined => {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item, unmarshalling) : undefined;
};
