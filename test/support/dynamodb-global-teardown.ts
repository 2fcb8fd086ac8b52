import { DeleteTableCommand, DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, SQSClient, paginateListQueues } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type DynamoDbLocal } from '../../infra/local/dynamodb-local';
import { isEmulatorRun, type ProjectConfig } from './dynamodb-global-setup';

/**
 * Deletes the tables and queues of this run from the emulator, which outlives it (a LocalStack the user runs), and
 * warns rather than fails: the tests have passed or failed by now.
 */
const cleanUpEmulator = async (prefix: string): Promise<void> => {
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: process.env.TEST_DYNAMODB_ENDPOINT });
  const sqs = new SQSClient({ ...config, endpoint: process.env.TEST_SQS_ENDPOINT });
  try {
    const tables: string[] = [];
    for await (const page of paginateListTables({ client: dynamodb }, {})) {
      tables.push(...(page.TableNames ?? []).filter((name) => name.startsWith(prefix)));
    }
    const queues: string[] = [];
    for await (const page of paginateListQueues({ client: sqs }, { QueueNamePrefix: prefix })) {
      queues.push(...(page.QueueUrls ?? []));
    }
    await Promise.all([
      ...tables.map((TableName) => dynamodb.send(new DeleteTableCommand({ TableName }))),
      ...queues.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl }))),
    ]);
  } catch (error) {
    console.warn(`Could not delete the emulator's ${prefix}* tables and queues: ${String(error)}`);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
};

export default async function teardown(_global: unknown, project?: ProjectConfig): Promise<void> {
  const prefix = process.env.TEST_EMULATOR_PREFIX;
  if (isEmulatorRun(project) && prefix) await cleanUpEmulator(prefix);
  await (globalThis as { __dynamodbLocal__?: DynamoDbLocal }).__dynamodbLocal__?.stop();
}
