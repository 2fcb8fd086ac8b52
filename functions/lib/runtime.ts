import { systemClock } from '../../shared/clock';
import type { AccountDeps } from '../../shared/accounts/service';
import { DynamoAccountStore } from '../../shared/db/account-store';
import { DynamoConnectionStore } from '../../shared/db/connection-store';
import { createDocumentClient } from '../../shared/db/client';
import { DynamoLedger } from '../../shared/db/ledger-store';
import { DynamoPaymentStore } from '../../shared/db/payment-store';
import { DynamoRateStore } from '../../shared/db/rate-store';
import { type TableName, tables } from '../../shared/db/tables';
import { DynamoSignInAttempts, DynamoTokenStore, DynamoUserStore } from '../../shared/db/user-store';
import type { PaymentDeps } from '../../shared/payments/service';
import type { RateDeps } from '../../shared/rates/service';
import type { RealtimeDeps } from '../../shared/realtime/service';
import type { ReportDeps } from '../../shared/reports/service';
import type { NewUserDeps, UserDeps } from '../../shared/users/service';
import { createSesClient, SesMailer } from '../../shared/db/ses-mailer';
import type { ConfirmationDeps } from '../../shared/users/confirmation';
import { mail, queues, type QueueName } from '../manifest';
import { config } from './config';
import { logger } from './logger';
import { createSqsClient, SqsPaymentQueue } from './payment-queue';
import { ConnectionsApiPusher, createConnectionsClient } from './pusher';

/**
 * Module scope, built once per cold start. The SDK reads its endpoint from AWS_ENDPOINT_URL(_DYNAMODB, _SQS), so the
 * same code talks to AWS, the local stack or any emulator. Each store is made on first use, so a function needs only
 * the table names and queue URLs it was bound to.
 */
export const dynamo = createDocumentClient();

const fromEnv = (variable: string, what: string): string => {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set: this function was not bound to ${what}`);
  return value;
};

const tableName = (table: TableName): string => fromEnv(tables[table].envVar, `the ${table} table`);
const queueUrl = (queue: QueueName): string => fromEnv(queues[queue].envVar, `the ${queue} queue`);

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

const userStore = /* @__PURE__ */ once(() => new DynamoUserStore(dynamo, tableName('users')));
const tokenStore = /* @__PURE__ */ once(() => new DynamoTokenStore(dynamo, tableName('tokens')));
const signInAttempts = /* @__PURE__ */ once(() => new DynamoSignInAttempts(dynamo, tableName('users')));
const mailer = /* @__PURE__ */ once(
  () =>
    new SesMailer(
      createSesClient(),
      fromEnv(mail.fromEnvVar, 'a mail sender'),
      process.env[mail.configurationSetEnvVar] || undefined,
    ),
);
const onMailFailure = (userId: string, error: unknown) => {
  logger.error('Confirmation email not sent; the user may ask for another', { userId, error: error as Error });
};
const accountStore = /* @__PURE__ */ once(() => new DynamoAccountStore(dynamo, tableName('accounts')));
const ledger = /* @__PURE__ */ once(
  () => new DynamoLedger(dynamo, { payments: process.env.PAYMENTS_TABLE ?? '', operations: tableName('operations') }),
);
const paymentStore = /* @__PURE__ */ once(
  () =>
    new DynamoPaymentStore(dynamo, {
      payments: tableName('payments'),
      idempotency: process.env.IDEMPOTENCY_TABLE ?? '',
    }),
);
const rateStore = /* @__PURE__ */ once(() => new DynamoRateStore(dynamo, tableName('rates')));
const paymentQueue = /* @__PURE__ */ once(() => new SqsPaymentQueue(createSqsClient(), () => queueUrl('payments')));
const connectionStore = /* @__PURE__ */ once(() => new DynamoConnectionStore(dynamo, tableName('connections')));
const pusher = /* @__PURE__ */ once(
  () => new ConnectionsApiPusher(createConnectionsClient(fromEnv('WEBSOCKET_ENDPOINT', 'the WebSocket API'))),
);

export const userDeps: UserDeps = {
  get users() {
    return userStore();
  },
  get tokens() {
    return tokenStore();
  },
  get attempts() {
    return signInAttempts();
  },
  clock: systemClock,
  // A getter, as every store here: a plain property read would keep this object, and every client, in each bundle.
  get tokenLifetimeMs() {
    return config.tokenLifetimeMs;
  },
};

/**
 * What signing up and confirming need: the user stores and the mailer, apart from `userDeps` so that only the
 * functions that send mail bundle the SES client.
 */
export const mailingDeps: NewUserDeps & ConfirmationDeps = {
  get users() {
    return userStore();
  },
  get tokens() {
    return tokenStore();
  },
  get mailer() {
    return mailer();
  },
  clock: systemClock,
  get tokenLifetimeMs() {
    return config.tokenLifetimeMs;
  },
  onMailFailure,
};

export const accountDeps: AccountDeps = {
  get accounts() {
    return accountStore();
  },
  get balances() {
    return ledger();
  },
  clock: systemClock,
};

export const paymentDeps: PaymentDeps = {
  get accounts() {
    return accountStore();
  },
  get payments() {
    return paymentStore();
  },
  get ledger() {
    return ledger();
  },
  get queue() {
    return paymentQueue();
  },
  get rates() {
    return rateStore();
  },
  get fees() {
    return config.fees;
  },
  clock: systemClock,
  onEnqueueFailure: (paymentId, error) => {
    logger.warn('Payment not queued; the sweeper will re-drive it', { paymentId, error: error as Error });
  },
};

export const rateDeps: RateDeps = {
  get rates() {
    return rateStore();
  },
  clock: systemClock,
};

export const reportDeps: ReportDeps = {
  get accounts() {
    return accountStore();
  },
  get ledger() {
    return ledger();
  },
  clock: systemClock,
};

export const realtimeDeps: RealtimeDeps = {
  get connections() {
    return connectionStore();
  },
  get tokens() {
    return tokenStore();
  },
  get payments() {
    return paymentStore();
  },
  get pusher() {
    return pusher();
  },
  clock: systemClock,
};
