import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { ensureTables, localTableNames } from '../../infra/local/tables';
import { createDocumentClient } from '../../shared/adapters/client';
import type { TableNames } from '../../shared/adapters/tables';

export interface TestTables {
  client: DynamoDBDocumentClient;
  names: TableNames;
  destroy(): void;
}

/**
 * The endpoint of one service on an emulator, read as the SDK reads it: `AWS_ENDPOINT_URL_<SERVICE>`, else
 * `AWS_ENDPOINT_URL`.
 */
export const emulatorEndpoint = (service: 'DYNAMODB' | 'SQS', env = process.env): string | undefined =>
  env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;

/**
 * The prefix of every table and queue of this run on an emulator (set by the global setup, which deletes them at the
 * end): an emulator the user runs outlives the suite, unlike DynamoDB Local and fauxqs.
 */
export const emulatorRunPrefix = (): string | undefined => process.env.TEST_EMULATOR_PREFIX;

/**
 * Fresh tables on the run's DynamoDB Local, or on the emulator of an emulator run (see jest.emulator.config.js), named
 * with a random prefix so that test files never share data.
 */
export const createTestTables = async (): Promise<TestTables> => {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT ?? emulatorEndpoint('DYNAMODB');
  if (!endpoint)
    throw new Error('No DynamoDB endpoint: run integration tests through jest (its global setup starts one).');
  // Concurrency tests open hundreds of requests at once; the SDK's default pool of 50 sockets would queue them.
  const config = {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: { httpAgent: { maxSockets: 500 } },
  };
  const raw = new DynamoDBClient(config);
  const names = localTableNames(`${emulatorRunPrefix() ?? 't'}${randomBytes(4).toString('hex')}-`);
  await ensureTables(raw, names);
  const client = createDocumentClient(config);
  return {
    client,
    names,
    destroy: () => {
      client.destroy();
      raw.destroy();
    },
  };
};
