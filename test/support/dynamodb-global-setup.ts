import { randomBytes } from 'node:crypto';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { emulatorEndpoint } from './dynamo';

/** What the global setup and teardown read of the project's config. */
export interface ProjectConfig {
  /** `TEST_EMULATOR: true` marks an emulator run (jest.emulator.config.js). */
  globals?: Record<string, unknown>;
}

export const isEmulatorRun = (project: ProjectConfig | undefined): boolean => project?.globals?.TEST_EMULATOR === true;

/**
 * One in-memory DynamoDB Local for the whole integration run; each test file creates its own tables under a unique
 * prefix, so files run in parallel without seeing each other's data.
 *
 * On an emulator run, nothing starts: DynamoDB and SQS are those of the emulator at AWS_ENDPOINT_URL (or the
 * per-service AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS), and every table and queue of the run is named
 * under one run prefix, so that the teardown can delete them. Only the emulator config opts in: a plain `npm test`
 * stays on DynamoDB Local and fauxqs even in a shell that exports AWS_ENDPOINT_URL for LocalStack.
 */
export default async function setup(_global: unknown, project?: ProjectConfig): Promise<void> {
  if (isEmulatorRun(project)) {
    const dynamodb = emulatorEndpoint('DYNAMODB');
    const sqs = emulatorEndpoint('SQS');
    if (!dynamodb || !sqs)
      throw new Error('An emulator run needs AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_DYNAMODB and _SQS).');
    // Test workers inherit this process's environment.
    process.env.TEST_DYNAMODB_ENDPOINT = dynamodb;
    process.env.TEST_SQS_ENDPOINT = sqs;
    process.env.TEST_EMULATOR_PREFIX = `it${randomBytes(4).toString('hex')}-`;
    return;
  }
  const dynamodb = await startDynamoDbLocal();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
  (globalThis as { __dynamodbLocal__?: typeof dynamodb }).__dynamodbLocal__ = dynamodb;
}
