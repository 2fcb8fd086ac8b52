import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { createQueues, ensureQueues, type LocalQueues } from '../../infra/local/queues';
import { type LocalSqs, startSqs } from '../../infra/local/sqs';
import { type QueueName, queues as queueDefinitions } from '../../functions/manifest';
import { SqsPaymentQueue } from '../../functions/lib/payment-queue';
import { DynamoAccountStore } from '../../shared/db/account-store';
import { DynamoLedger } from '../../shared/db/ledger-store';
import { DynamoPaymentStore } from '../../shared/db/payment-store';
import { systemClock } from '../../shared/clock';
import { DEFAULT_FEES } from '../../shared/payments/fees';
import type { PaymentDeps } from '../../shared/payments/service';
import type { AccountDeps } from '../../shared/accounts/service';
import { createTestTables, emulatorRunPrefix, type TestTables } from './dynamo';

export interface PaymentWorld {
  db: TestTables;
  /** The in-process fauxqs; undefined on an emulator run, whose SQS is the emulator's. */
  sqs: LocalSqs | undefined;
  sqsClient: SQSClient;
  queues: LocalQueues;
  ledger: DynamoLedger;
  payments: PaymentDeps;
  accounts: AccountDeps;
  stop(): Promise<void>;
}

/**
 * The manifest's queues (each with its DLQ and redrive policy) on an emulator, named `<prefix><name>` as the tables
 * are: an emulator the user runs is shared by parallel test files and outlives the run, and may even hold a queue of
 * that name with other attributes, which CreateQueue would refuse. On fauxqs, started afresh per world, the plain
 * names of `ensureQueues`.
 */
const emulatorQueues = async (client: SQSClient, prefix: string): Promise<LocalQueues> => {
  const names = Object.keys(queueDefinitions) as QueueName[];
  const created = await createQueues(
    client,
    Object.fromEntries(names.map((name) => [`${prefix}${name}`, queueDefinitions[name]])),
  );
  return Object.fromEntries(
    names.map((name) => {
      const queue = created[`${prefix}${name}`];
      if (!queue) throw new Error(`createQueues answered no queue ${prefix}${name}`);
      return [name, queue];
    }),
  ) as LocalQueues;
};

/**
 * Real parts for payment tests: fresh tables on DynamoDB Local and the payment queue on an in-process fauxqs, or, on an
 * emulator run (see jest.emulator.config.js), both on the emulator.
 */
export const startPaymentWorld = async (): Promise<PaymentWorld> => {
  const db = await createTestTables();
  const emulatorSqs = process.env.TEST_SQS_ENDPOINT;
  const sqs = emulatorSqs ? undefined : await startSqs();
  const sqsClient = new SQSClient({
    endpoint: emulatorSqs ?? sqs?.inProcessEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const queues = emulatorSqs
    ? await emulatorQueues(sqsClient, `${emulatorRunPrefix() ?? 't'}${randomBytes(4).toString('hex')}-`)
    : await ensureQueues(sqsClient);
  const ledger = new DynamoLedger(db.client, db.names);
  const accountStore = new DynamoAccountStore(db.client, db.names.accounts);
  return {
    db,
    sqs,
    sqsClient,
    queues,
    ledger,
    payments: {
      accounts: accountStore,
      payments: new DynamoPaymentStore(db.client, db.names),
      ledger,
      queue: new SqsPaymentQueue(sqsClient, () => queues.payments.url),
      fees: DEFAULT_FEES,
      clock: systemClock,
    },
    accounts: { accounts: accountStore, balances: ledger, clock: systemClock },
    stop: async () => {
      sqsClient.destroy();
      await sqs?.stop();
      db.destroy();
    },
  };
};
