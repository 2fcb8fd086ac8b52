import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { ensureQueues, type LocalQueues } from '../../infra/local/queues';
import { type LocalSqs, startSqs } from '../../infra/local/sqs';
import { SqsPaymentQueue } from '../../functions/lib/payment-queue';
import { DynamoAccountStore } from '../../shared/db/account-store';
import { DynamoLedger } from '../../shared/db/ledger-store';
import { DynamoPaymentStore } from '../../shared/db/payment-store';
import { systemClock } from '../../shared/clock';
import { DEFAULT_FEES } from '../../shared/payments/fees';
import type { PaymentDeps } from '../../shared/payments/service';
import type { AccountDeps } from '../../shared/accounts/service';
import { createTestTables, type TestTables } from './dynamo';

export interface PaymentWorld {
  db: TestTables;
  sqs: LocalSqs;
  sqsClient: SQSClient;
  queues: LocalQueues;
  ledger: DynamoLedger;
  payments: PaymentDeps;
  accounts: AccountDeps;
  stop(): Promise<void>;
}

/** Real parts for payment tests: fresh tables on DynamoDB Local and the payment queue on an in-process fauxqs. */
export const startPaymentWorld = async (): Promise<PaymentWorld> => {
  const db = await createTestTables();
  const sqs = await startSqs();
  const sqsClient = new SQSClient({
    endpoint: sqs.inProcessEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const queues = await ensureQueues(sqsClient);
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
      await sqs.stop();
      db.destroy();
    },
  };
};
