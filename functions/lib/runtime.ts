import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { systemClock } from '../../shared/clock';
import type { AccountDeps } from '../../shared/accounts/service';
import { DynamoAccountStore } from '../../shared/adapters/account-store';
import { DynamoConnectionStore } from '../../shared/adapters/connection-store';
import { createDocumentClient } from '../../shared/adapters/client';
import { DynamoDeliveryStore } from '../../shared/adapters/delivery-store';
import { SqsDeliveryQueue } from '../../shared/adapters/delivery-queue';
import { EventBridgeBus } from '../../shared/adapters/event-bus';
import { DynamoEventStore } from '../../shared/adapters/event-store';
import { HttpWebhookSender } from '../../shared/adapters/webhook-sender';
import { DynamoWebhookStore } from '../../shared/adapters/webhook-store';
import type { PublishDeps } from '../../shared/events/publish';
import { DynamoLedgerReader, DynamoLedgerWriter } from '../../shared/adapters/ledger-store';
import { DynamoIdempotencyStore, DynamoPaymentStore } from '../../shared/adapters/payment-store';
import { paymentMetadataIndex } from '../../shared/adapters/payment-listing';
import { DynamoRateStore } from '../../shared/adapters/rate-store';
import { type TableName, tables } from '../../shared/adapters/tables';
import { DynamoSignInAttempts, DynamoTokenStore, DynamoUserStore } from '../../shared/adapters/user-store';
import { joinLedger } from '../../shared/ledger/ports';
import type { PaymentDeps } from '../../shared/payments/deps';
import type { ProcessorDeps } from '../../shared/payments/process';
import type { RateDeps } from '../../shared/rates/service';
import type { RealtimeDeps } from '../../shared/realtime/service';
import type { ReportDeps } from '../../shared/reports/service';
import type { NewUserDeps, UserDeps } from '../../shared/users/service';
import { createSesClient, SesMailer } from '../../shared/adapters/ses-mailer';
import type { ConfirmationDeps } from '../../shared/users/confirmation';
import type { DeliverDeps, WebhookDeps } from '../../shared/webhooks/service';
import {
  boundVariables,
  environment,
  type FunctionName,
  functions,
  mail,
  queues,
  type QueueName,
  telemetry,
} from '../manifest';
import { config } from './config';
import { logger } from './logger';
import { metrics } from './metrics';
import { createSqsClient, SqsPaymentQueue } from '../../shared/adapters/payment-queue';
import { ConnectionsApiPusher, createConnectionsClient } from '../../shared/adapters/connections-pusher';

/**
 * What the environment lacks of the variables the manifest binds a function to, the function being the one the
 * environment names in GATEWAY_FUNCTION (`environment.functionName`); nothing when it names none.
 */
export const unboundVariables = (env: Readonly<Record<string, string | undefined>>): string[] => {
  const name = env[environment.functionName];
  if (name === undefined) return [];
  if (!Object.hasOwn(functions, name)) {
    throw new Error(`${environment.functionName} is ${name}, which is no function of the manifest`);
  }
  return boundVariables(functions[name as FunctionName]).filter((variable) => !env[variable]);
};

/**
 * Cold start fails, naming what is missing, when a function lacks a variable the manifest binds it to: a deployment
 * that forgot one is seen at once rather than on the first request that reaches the missing table. The CDK construct
 * names the function. The local stack and the tests load every handler into one process, set every variable
 * process-wide and name no function: then nothing is checked here, and a store still fails on its first use if its
 * variable is missing.
 */
export const assertBound = (env: Readonly<Record<string, string | undefined>>): void => {
  const missing = unboundVariables(env);
  if (missing.length > 0) {
    throw new Error(
      `Function ${env[environment.functionName] ?? ''} is bound to ${missing.join(', ')} in the manifest, ` +
        `but ${missing.length === 1 ? 'it is' : 'they are'} not set`,
    );
  }
};

assertBound(process.env);

/**
 * Module scope, built once per cold start. The SDK reads its endpoint from AWS_ENDPOINT_URL(_DYNAMODB, _SQS), so the
 * same code talks to AWS, the local stack or any emulator. Each store is made on first use, so a function needs only
 * the table names and queue URLs it was bound to.
 */
const dynamo = createDocumentClient();

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
const accountStore = /* @__PURE__ */ once(
  () => new DynamoAccountStore(dynamo, { accounts: tableName('accounts'), metadata: tableName('metadata') }),
);
const ledgerReader = /* @__PURE__ */ once(
  () => new DynamoLedgerReader(dynamo, { accounts: tableName('accounts'), operations: tableName('operations') }),
);
const ledgerWriter = /* @__PURE__ */ once(
  () =>
    new DynamoLedgerWriter(dynamo, {
      payments: tableName('payments'),
      operations: tableName('operations'),
      accounts: tableName('accounts'),
      // Only a capture claims an idempotency key with its transaction; the processor and the sweeper are not bound to it.
      get idempotency() {
        return tableName('idempotency');
      },
    }),
);
// Functions that only read the ledger (operations-list, balance-get) are bound to no payments table.
const ledger = /* @__PURE__ */ once(() => joinLedger(ledgerReader, ledgerWriter));
const paymentMetadata = /* @__PURE__ */ once(() => paymentMetadataIndex(dynamo, tableName('metadata')));
const paymentStore = /* @__PURE__ */ once(() => new DynamoPaymentStore(dynamo, tableName('payments'), paymentMetadata));
const idempotencyStore = /* @__PURE__ */ once(() => new DynamoIdempotencyStore(dynamo, tableName('idempotency')));
const rateStore = /* @__PURE__ */ once(() => new DynamoRateStore(dynamo, tableName('rates')));
const paymentQueue = /* @__PURE__ */ once(() => new SqsPaymentQueue(createSqsClient(), () => queueUrl('payments')));
const connectionStore = /* @__PURE__ */ once(() => new DynamoConnectionStore(dynamo, tableName('connections')));
const pusher = /* @__PURE__ */ once(
  () => new ConnectionsApiPusher(createConnectionsClient(fromEnv(environment.websocketEndpoint, 'the WebSocket API'))),
);
const eventStore = /* @__PURE__ */ once(() => new DynamoEventStore(dynamo, tableName('events')));
const webhookStore = /* @__PURE__ */ once(() => new DynamoWebhookStore(dynamo, tableName('webhooks')));
const deliveryStore = /* @__PURE__ */ once(() => new DynamoDeliveryStore(dynamo, tableName('deliveries')));
const deliveryQueue = /* @__PURE__ */ once(
  () => new SqsDeliveryQueue(createSqsClient(), () => queueUrl('webhook-deliveries')),
);
const webhookSender = /* @__PURE__ */ once(() => new HttpWebhookSender(config.webhooks.urlPolicy));
// No bus name, no bus: the local stack has no EventBridge, and its functions are simply not given one.
const eventBus = /* @__PURE__ */ once(() =>
  config.eventBusName === undefined
    ? undefined
    : new EventBridgeBus(new EventBridgeClient({}), config.eventBusName, (failed) => {
        // Flushed at once: a failed put is rare, and the notifier publishes no other metric to wait for.
        metrics.addMetric(telemetry.failedEventBusPuts.name, MetricUnit.Count, failed);
        metrics.publishStoredMetrics();
      }),
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
  get passwordParams() {
    return config.passwordParams;
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
  get passwordParams() {
    return config.passwordParams;
  },
  onMailFailure,
};

export const accountDeps: AccountDeps = {
  get accounts() {
    return accountStore();
  },
  get balances() {
    return ledgerReader();
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
  get claims() {
    return idempotencyStore();
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

export const processorDeps: ProcessorDeps = {
  get payments() {
    return paymentStore();
  },
  get ledger() {
    return ledger();
  },
  clock: systemClock,
  push: {
    get events() {
      return eventStore();
    },
    get realtime() {
      return realtimeDeps;
    },
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
    return ledgerReader();
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
  get events() {
    return eventStore();
  },
  get pusher() {
    return pusher();
  },
  clock: systemClock,
};

export const eventDeps = {
  get events() {
    return eventStore();
  },
};

export const webhookDeps: WebhookDeps = {
  get webhooks() {
    return webhookStore();
  },
  get deliveries() {
    return deliveryStore();
  },
  clock: systemClock,
  get urlPolicy() {
    return config.webhooks.urlPolicy;
  },
};

export const publishDeps: PublishDeps = {
  get events() {
    return eventStore();
  },
  // The processor pushes the states it reaches, claiming them; the notifier waits this long for such a push before it
  // makes it itself: past the processor's timeout, no invocation of it can still be running, and 5 s more cover the
  // clocks of two hosts.
  get pushLeaseMs() {
    return (functions.processor.timeoutSeconds ?? 10) * 1000 + 5_000;
  },
  pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  get bus() {
    return eventBus();
  },
  fanOut: {
    get webhooks() {
      return webhookStore();
    },
    get deliveries() {
      return deliveryStore();
    },
    get queue() {
      return deliveryQueue();
    },
    clock: systemClock,
  },
  realtime: realtimeDeps,
};

export const deliverDeps: DeliverDeps = {
  get webhooks() {
    return webhookStore();
  },
  get deliveries() {
    return deliveryStore();
  },
  get events() {
    return eventStore();
  },
  get sender() {
    return webhookSender();
  },
  get queue() {
    return deliveryQueue();
  },
  clock: systemClock,
  get policy() {
    return config.webhooks.delivery;
  },
};
