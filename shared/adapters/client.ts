import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { unmarshallOptions } from '@aws-sdk/util-dynamodb';

/**
 * Every number in these tables is an integer (minor units, sequence numbers, epoch seconds), so all of them come back
 * as bigint: a balance past 2^53 stays exact and no float ever touches money.
 */
export const unmarshalling: unmarshallOptions = { wrapNumbers: (value: string) => BigInt(value) };

export const createDocumentClient = (config: DynamoDBClientConfig = {}): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
    // A copy: the document client writes its own defaults into the options it is given.
    unmarshallOptions: { ...unmarshalling },
  });
