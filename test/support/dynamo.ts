import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { ensureTables, localTableNames } from '../../infra/local/tables';
import { createDocumentClient } from '../../shared/db/client';
import type { TableNames } from '../../shared/db/tables';

export interface TestTables {
  client: DynamoDBDocumentClient;
  names: TableNames;
  destroy(): void;
}

/**
 * Fresh tables on the run's DynamoDB Local (or on AWS_ENDPOINT_URL, to run the suite against another emulator),
 * named with a random prefix so that test files never share data.
 */
export const createTestTables = async (): Promise<TestTables> => {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT ?? process.env.AWS_ENDPOINT_URL;
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
  const names = localTableNames(`t${randomBytes(4).toString('hex')}-`);
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
