import type { DynamoDbLocal } from '../../infra/local/dynamodb-local';

export default async function teardown(): Promise<void> {
  await (globalThis as { __dynamodbLocal__?: DynamoDbLocal }).__dynamodbLocal__?.stop();
}
