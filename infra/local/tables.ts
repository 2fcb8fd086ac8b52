import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type IndexDefinition,
  type KeyAttribute,
  type TableDefinition,
  type TableName,
  type TableNames,
  tables,
} from '../../shared/adapters/tables';

const tableKeys = Object.keys(tables) as TableName[];

/** Local table names are the logical names, optionally prefixed (integration tests isolate themselves that way). */
export const localTableNames = (prefix = ''): TableNames =>
  Object.fromEntries(tableKeys.map((table) => [table, `${prefix}${table}`])) as TableNames;

/** The environment a function reads its table names from, as the CDK app sets it. */
export const tableEnv = (names: TableNames): Record<string, string> =>
  Object.fromEntries(tableKeys.map((table) => [tables[table].envVar, names[table]]));

const keySchema = (partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): KeySchemaElement[] => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
];

const projection = ({ projection: p }: IndexDefinition): Projection =>
  p.type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...p.attributes] }
    : { ProjectionType: p.type };

// The key attributes of the table and its indexes; one name has one type throughout, as DynamoDB requires.
const attributeDefinitions = (definition: TableDefinition) => {
  const { partitionKey, sortKey, indexes } = definition;
  const keys = [partitionKey, sortKey, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  const types = new Map(keys.flatMap((key) => (key ? [[key.name, key.type] as const] : [])));
  return [...types].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
};

const describe = async (client: DynamoDBClient, name: string): Promise<TableDescription | undefined> => {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

const isActive = (table: TableDescription | undefined): boolean =>
  table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');

// The SDK's waiter sleeps 20 s before its second look; DynamoDB Local is ACTIVE within milliseconds.
const waitUntilActive = async (client: DynamoDBClient, name: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!isActive(await describe(client, name))) {
    if (Date.now() > deadline) throw new Error(`Table ${name} did not become ACTIVE within ${timeoutMs} ms`);
    await sleep(100);
  }
};

const create = async (client: DynamoDBClient, name: string, definition: TableDefinition): Promise<void> => {
  const indexes = definition.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: projection(index),
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(definition),
        KeySchema: keySchema(definition.partitionKey, definition.sortKey),
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        ...(definition.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }
          : {}),
      }),
    );
  } catch (error) {
    // Another process (a parallel test worker) created it between our look and our create.
    if (error instanceof ResourceInUseException) return;
    throw error;
  }
  await waitUntilActive(client, name);
  const ttl = definition.timeToLiveAttribute;
  if (ttl) {
    const TimeToLiveSpecification = { Enabled: true, AttributeName: ttl };
    await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification }));
  }
};

/** Warns of what an existing table lacks of its definition: a restart keeps data, so it is not rebuilt. */
const warnOfDrift = (existing: TableDescription, definition: TableDefinition) => {
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = definition.indexes.filter((i) => !present.has(i.name)).map((i) => `index ${i.name}`);
  if (definition.stream && existing.StreamSpecification?.StreamViewType !== definition.stream)
    missing.push('its stream');
  if (missing.length === 0) return;
  console.warn(
    `Table ${existing.TableName ?? ''} exists without ${missing.join(', ')}; delete the data dir to recreate it.`,
  );
};

/** Creates the tables that do not exist yet, all at once, and waits until all are ACTIVE; existing ones are kept. */
export const ensureTables = async (client: DynamoDBClient, names: TableNames): Promise<void> => {
  await Promise.all(
    tableKeys.map(async (table) => {
      const name = names[table];
      const existing = await describe(client, name);
      if (existing) warnOfDrift(existing, tables[table]);
      else await create(client, name, tables[table]);
      await waitUntilActive(client, name);
    }),
  );
};
