import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { systemClock } from '../../shared/clock';
import { createDocumentClient } from '../../shared/db/client';
import type { TableName, TableNames } from '../../shared/db/tables';
import { DynamoTokenStore, DynamoUserStore } from '../../shared/db/user-store';
import { InvalidCredentialsError } from '../../shared/errors';
import { credentialsBody } from '../../shared/schemas/users';
import { ensureAdmin } from '../../shared/users/service';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  mail as mailEnv,
  type QueueName,
  websocketRoutes,
} from '../../functions/manifest';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from './dynamodb-local';
import { startSqsEventSource } from './event-source';
import { describeError } from './poller';
import { type LambdaHandler, type LocalHttpServer, startHttpServer } from './http-server';
import { ensureQueues, type LocalQueues, queueEnv } from './queues';
import { startSchedule } from './scheduler';
import { type LocalSqs, startSqs } from './sqs';
import { startStreamSource } from './stream-source';
import { type MailCatcher, startMailCatcher } from './mail-catcher';
import { ensureTables, localTableNames, tableEnv } from './tables';
import { type LocalWebSocketServer, startWebSocketServer } from './websocket-server';

export interface LocalStackOptions {
  /** HTTP API port; 0 for a free one. */
  port?: number;
  /** WebSocket API port (its `@connections` management API too); 0, or omitted, for a free one. */
  wsPort?: number;
  host?: string;
  /** Where DynamoDB Local keeps its file, so data survives restarts. */
  dataDir: string;
  /** A free port when omitted. */
  dynamodbPort?: number;
  admin?: { email: string; password: string };
  /** Powertools log level of the handlers. */
  logLevel?: string;
  /** No access log line per request. */
  quiet?: boolean;
  /**
   * The period of every scheduled function (the sweeper), in place of the manifest's `everyMinutes`; `npm start`
   * runs it far more often than AWS does.
   */
  scheduleIntervalSeconds?: number;
  /** Test doubles that replace the manifest's handler modules, by function name, for every kind of trigger. */
  handlers?: Partial<Record<FunctionName, LambdaHandler>>;
}

export interface LocalStack {
  httpUrl: string;
  /** Where WebSocket clients connect. */
  wsUrl: string;
  /** The `@connections` management API, as the handlers get it in WEBSOCKET_ENDPOINT. */
  websocketEndpoint: string;
  /** The mail catcher: the SES v2 endpoint the handlers send through, and its page of captured mail. */
  mailUrl: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** The manifest's queues and their dead-letter queues. */
  queues: LocalQueues;
  /** The functions polling a queue, as the Lambda SQS event source mapping would. */
  consumers: readonly { function: FunctionName; queue: QueueName }[];
  /** The functions run on a timer, and their local period. */
  schedules: readonly { function: FunctionName; everySeconds: number }[];
  /** The functions reading a table's DynamoDB stream, as the Lambda event source mapping would. */
  streams: readonly { function: FunctionName; table: TableName }[];
  dataDir: string;
  tableNames: TableNames;
  /**
   * Settles only if a component dies on its own (DynamoDB Local crashing, say); the stack is then of no use and
   * should be stopped.
   */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/** A misconfiguration the user must fix; its message is meant to be printed as it is. */
export class LocalStackConfigError extends Error {}

const validateAdmin = (admin: { email: string; password: string }) => {
  const parsed = z.safeParse(credentialsBody, admin);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => issue.path.join('.'));
  const problems = [
    ...(fields.includes('email') ? ['ADMIN_EMAIL is not a valid email address'] : []),
    ...(fields.includes('password') ? ['ADMIN_PASSWORD must be 10 to 1024 characters long'] : []),
  ];
  throw new LocalStackConfigError(
    problems.length > 0 ? problems.join('; ') : 'ADMIN_EMAIL / ADMIN_PASSWORD are invalid',
  );
};

const createAdmin = async (endpoint: string, names: TableNames, credentials: { email: string; password: string }) => {
  const client = createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await ensureAdmin(
      {
        users: new DynamoUserStore(client, names.users),
        tokens: new DynamoTokenStore(client, names.tokens),
        clock: systemClock,
      },
      credentials,
    );
  } catch (error) {
    if (error instanceof InvalidCredentialsError) {
      throw new LocalStackConfigError(
        `ADMIN_EMAIL ${credentials.email} already belongs to a user whose password is not ADMIN_PASSWORD`,
      );
    }
    throw error;
  }
};

/**
 * The handlers read their configuration from the environment, as on Lambda, and build their SDK clients when first
 * imported: this runs before any handler module is loaded.
 */
const configureHandlers = (dynamodb: string, sqs: string, names: TableNames, logLevel: string | undefined) => {
  // Session tokens or profiles from a real AWS login must not leak into signing requests to the emulators.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
    AWS_ENDPOINT_URL_SQS: sqs,
    POWERTOOLS_LOG_LEVEL: logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'billing-gateway',
    // No CloudWatch reads the local stack's stdout: its embedded-metric lines would only drown the access log.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    ...tableEnv(names),
  });
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A function's handler, imported from its manifest entry as the HTTP server does (and so the same module instance).
 * Functions behind a queue or a schedule are loaded at start: a missing module fails the start rather than leaving
 * messages or runs unhandled.
 */
const importHandler = async (name: FunctionName, trigger: string): Promise<LambdaHandler> => {
  const { entry } = functions[name];
  const url = new URL(`../../${entry}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`Cannot start the ${trigger} of function ${name}: its handler module ${entry} does not exist`);
  }
  let module: unknown;
  try {
    module = await import(url.href);
  } catch (error) {
    throw new Error(
      `Cannot start the ${trigger} of function ${name}: ${entry} failed to load: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  const handler = isRecord(module) ? module.handler : undefined;
  if (typeof handler !== 'function') {
    throw new Error(`Cannot start the ${trigger} of function ${name}: ${entry} does not export a function \`handler\``);
  }
  return handler as LambdaHandler;
};

const functionNames = Object.keys(functions) as FunctionName[];
const specOf = (name: FunctionName): FunctionSpec => functions[name];

/**
 * Starts DynamoDB Local (persisted under `dataDir`), the SQS emulator with the manifest's queues, the HTTP API, then
 * the queue consumers and the schedules, in that order, and stops whatever had started if a step fails. The
 * environment it sets is process-wide: one stack per process.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const admin = options.admin ? validateAdmin(options.admin) : undefined;
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';

  let dynamodb: DynamoDbLocal | undefined;
  let sqs: LocalSqs | undefined;
  let mail: MailCatcher | undefined;
  let sqsClient: SQSClient | undefined;
  let http: LocalHttpServer | undefined;
  let websocket: LocalWebSocketServer | undefined;
  let streamsClient: DynamoDBStreamsClient | undefined;
  // Event sources and schedules: stopped first, so no handler runs against emulators that are going away.
  const triggers: { stop(): Promise<void> }[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;

  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      const failures: unknown[] = [];
      for (const result of await Promise.allSettled(triggers.map((trigger) => trigger.stop()))) {
        if (result.status === 'rejected') failures.push(result.reason);
      }
      sqsClient?.destroy();
      streamsClient?.destroy();
      // The WebSocket server runs `$disconnect` for every open connection: before the database goes.
      for (const component of [websocket, http, mail, sqs, dynamodb]) {
        try {
          await component?.stop();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, 'The local stack did not stop cleanly');
    })());

  try {
    const dynamodbDir = join(dataDir, 'dynamodb');
    await mkdir(dynamodbDir, { recursive: true });
    dynamodb = await startDynamoDbLocal({ dataDir: dynamodbDir, port: options.dynamodbPort });
    sqs = await startSqs({ region: LOCAL_REGION });
    sqsClient = new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const queues = await ensureQueues(sqsClient);

    const names = localTableNames();
    // Before any handler module is imported: handlers read their queue URLs and table names when loaded.
    configureHandlers(dynamodb.endpoint, sqs.inProcessEndpoint, names, options.logLevel);
    Object.assign(process.env, queueEnv(queues));
    mail = await startMailCatcher({ host });
    Object.assign(process.env, { AWS_ENDPOINT_URL_SESV2: mail.url, [mailEnv.fromEnvVar]: 'no-reply@gateway.local' });
    // Bound before any handler is imported too: the notifier reads its `@connections` endpoint when loaded.
    websocket = await startWebSocketServer({
      port: options.wsPort ?? 0,
      host,
      quiet: options.quiet,
      handlers: options.handlers,
    });
    process.env.WEBSOCKET_ENDPOINT = websocket.managementEndpoint;

    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await ensureTables(client, names);
    } finally {
      client.destroy();
    }
    if (admin) await createAdmin(dynamodb.endpoint, names, admin);

    const handlerOf = async (name: FunctionName, trigger: string): Promise<LambdaHandler> =>
      options.handlers?.[name] ?? importHandler(name, trigger);
    const consumed = functionNames.flatMap((name) => {
      const { consumes, timeoutSeconds } = specOf(name);
      return consumes ? [{ name, consumes, timeoutSeconds }] : [];
    });
    const scheduled = functionNames.flatMap((name) => {
      const { schedule, timeoutSeconds } = specOf(name);
      const everySeconds = options.scheduleIntervalSeconds ?? (schedule ? schedule.everyMinutes * 60 : 0);
      return schedule ? [{ name, everySeconds, timeoutSeconds }] : [];
    });
    const consumers = await Promise.all(
      consumed.map(async (consumer) => ({ ...consumer, handler: await handlerOf(consumer.name, 'SQS event source') })),
    );
    const schedules = await Promise.all(
      scheduled.map(async (schedule) => ({ ...schedule, handler: await handlerOf(schedule.name, 'schedule') })),
    );
    const streamed = functionNames.flatMap((name) => {
      const { stream, timeoutSeconds } = specOf(name);
      return stream ? [{ name, stream, timeoutSeconds }] : [];
    });
    const streamReaders = await Promise.all(
      streamed.map(async (reader) => ({
        ...reader,
        handler: await handlerOf(reader.name, 'DynamoDB stream event source'),
      })),
    );
    // The WebSocket server imports its routes' handlers on first use, as the HTTP server does; loading them now
    // makes a missing or broken one fail the start instead of the first connection.
    await Promise.all(websocketRoutes.map((route) => handlerOf(route.function, `WebSocket route ${route.route}`)));

    const { port, quiet, handlers } = options;
    http = await startHttpServer({ port: port ?? 0, host, quiet, handlers, localRoutes: mail.answer });

    const triggerClient = sqsClient;
    for (const { name, consumes, timeoutSeconds, handler } of consumers) {
      const queue = queues[consumes.queue];
      triggers.push(
        startSqsEventSource({
          client: triggerClient,
          queueUrl: queue.url,
          queueArn: queue.arn,
          batchSize: consumes.batchSize,
          maxBatchingWindowSeconds: consumes.maxBatchingWindowSeconds,
          handler,
          functionName: name,
          timeoutSeconds,
        }),
      );
    }
    for (const { name, everySeconds, timeoutSeconds, handler } of schedules) {
      triggers.push(
        startSchedule({
          everyMs: everySeconds * 1000,
          handler,
          functionName: name,
          timeoutSeconds,
          region: LOCAL_REGION,
        }),
      );
    }

    streamsClient = new DynamoDBStreamsClient({
      endpoint: dynamodb.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    for (const { name, stream, timeoutSeconds, handler } of streamReaders) {
      // Starting position LATEST: each source has its shard iterators before the stack reports ready.
      triggers.push(
        await startStreamSource({
          client: streamsClient,
          tableName: names[stream.table],
          handler,
          functionName: name,
          batchSize: stream.batchSize,
          maxRetries: stream.maxRetries,
          timeoutSeconds,
        }),
      );
    }

    const database = dynamodb;
    const failed = database.exited.then(({ code, signal }) =>
      stopping
        ? new Promise<Error>(() => undefined)
        : new Error(`DynamoDB Local exited unexpectedly (${signal ? `signal ${signal}` : `code ${String(code)}`})`),
    );
    return {
      httpUrl: http.url,
      wsUrl: websocket.url,
      websocketEndpoint: websocket.managementEndpoint,
      mailUrl: mail.url,
      dynamodbEndpoint: dynamodb.endpoint,
      sqsEndpoint: sqs.endpoint,
      queues,
      consumers: consumed.map(({ name, consumes }) => ({ function: name, queue: consumes.queue })),
      schedules: scheduled.map(({ name, everySeconds }) => ({ function: name, everySeconds })),
      streams: streamed.map(({ name, stream }) => ({ function: name, table: stream.table })),
      dataDir,
      tableNames: names,
      failed,
      stop,
    };
  } catch (error) {
    await stop().catch((stopError: unknown) => {
      console.error('While stopping after a failed start:', stopError);
    });
    throw error;
  }
};
