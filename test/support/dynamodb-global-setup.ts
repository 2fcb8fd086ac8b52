import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';

/**
 * One in-memory DynamoDB Local for the whole integration run; each test file creates its own tables under a unique
 * prefix, so files run in parallel without seeing each other's data.
 */
export default async function setup(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
  (globalThis as { __dynamodbLocal__?: typeof dynamodb }).__dynamodbLocal__ = dynamodb;
}
