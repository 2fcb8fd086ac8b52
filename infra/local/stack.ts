import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { systemClock } from '../../shared/clock';
import { createDocumentClient } from '../../shared/adapters/client';
import type { TableNames } from '../../shared/adapters/tables';
import { DynamoTokenStore, DynamoUserStore } from '../../shared/adapters/user-store';
import { InvalidCredentialsError } from '../../shared/errors';
import { credentialsBody } from '../../shared/schemas/users';
import { ensureAdmin } from '../../shared/users/service';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  environment,
  localEnvironment,
  mail as mailEnv,
  websocketRoutes,
} from '../../functions/manifest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from './dynamodb-local';
import { startSqsEventSource } from './event-source';
import { once } from './helpers';
import { type LocalRoute, startHttpServer } from './http-server';
import { loadHandler } from './lambda-runtime';
import { dlqName, ensureQueues, queueEnv } from './queues';
import { startSchedule } from './scheduler';
import { startSqs } from './sqs';
import { startStreamSource } from './stream-source';
import { startMailCatcher } from './mail-catcher';
import { consoleRoute } from './console';
import { ensureTables, localTableNames, tableEnv } from './tables';
import { startWebSocketServer } from './websocket-server';

export interface LocalStackOptions {
  /** HTTP API port; 0, or omitted, for a free one. */
  port?: number;
  /** WebSocket API port (its `@connections` management API too); 0, or omitted, for a free one. */
  wsPort?: number;
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
  /**
   * Started in front of DynamoDB Local, given its endpoint as `target` (the pipeline benchmark's meter plugs in here):
   * every DynamoDB client of the stack sends its requests to the proxy's `endpoint`, the HTTP API serves its route
   * (`answer`), and the summary adds its `summary` to DynamoDB Local's line.
   */
  dynamodbProxy?: (options: { target: string; tableNames: TableNames }) => Promise<DynamoDbProxy>;
}

export interface DynamoDbProxy {
  endpoint: string;
  answer: LocalRoute;
  summary: string;
  stop(): Promise<void>;
}

export interface LocalStack {
  /** What runs where, a line each: the APIs, the emulators, the queues, schedules and streams, the data. */
  summary: string[];
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
  throw new LocalStackConfigError(problems.join('; ') || 'ADMIN_EMAIL / ADMIN_PASSWORD are invalid');
};

const createAdmin = async (endpoint: string, names: TableNames, credentials: { email: string; password: string }) => {
  const client = createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const stores = {
    users: new DynamoUserStore(client, names.users),
    tokens: new DynamoTokenStore(client, names.tokens),
  };
  try {
    await ensureAdmin({ ...stores, clock: systemClock }, credentials);
  } catch (error) {
    if (!(error instanceof InvalidCredentialsError)) throw error;
    const message = `ADMIN_EMAIL ${credentials.email} already belongs to a user whose password is not ADMIN_PASSWORD`;
    throw new LocalStackConfigError(message);
  } finally {
    client.destroy();
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
    ...localEnvironment,
  });
};

const functionSpecs = Object.entries(functions) as [FunctionName, FunctionSpec][];

/**
 * Starts DynamoDB Local (persisted under `dataDir`), the SQS emulator with the manifest's queues, the WebSocket and
 * HTTP APIs, then the queue consumers, the schedules and the stream readers, and stops whatever had started if a step
 * fails. The environment it sets is process-wide: one stack per process.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const admin = options.admin ? validateAdmin(options.admin) : undefined;
  const dataDir = resolve(options.dataDir);
  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  // Stopped last first: the triggers before the servers, the servers before the emulators their functions use (the
  // WebSocket server runs `$disconnect` for every open connection).
  const started: { stop(): unknown }[] = [];
  let stopping = false;
  const stop = once(async () => {
    stopping = true;
    const failures: unknown[] = [];
    for (const component of started.reverse()) {
      await Promise.resolve()
        .then(() => component.stop())
        .catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new AggregateError(failures, 'The local stack did not stop cleanly');
  });
  const start = <T extends { stop(): unknown }>(component: T): T => {
    started.push(component);
    return component;
  };

  try {
    const dynamodbDir = join(dataDir, 'dynamodb');
    await mkdir(dynamodbDir, { recursive: true });
    const dynamodb = start(await startDynamoDbLocal({ dataDir: dynamodbDir, port: options.dynamodbPort }));
    const names = localTableNames();
    const proxy = options.dynamodbProxy
      ? start(await options.dynamodbProxy({ target: dynamodb.endpoint, tableNames: names }))
      : undefined;
    // Every DynamoDB client of the stack goes through the proxy when there is one.
    const dynamodbEndpoint = proxy?.endpoint ?? dynamodb.endpoint;
    const sqs = start(await startSqs());
    const sqsClient = new SQSClient({ ...clientConfig, endpoint: sqs.endpoint });
    start({ stop: sqsClient.destroy.bind(sqsClient) });
    const queues = await ensureQueues(sqsClient);

    // Before any handler module is imported: handlers read their queue URLs and table names when loaded.
    configureHandlers(dynamodbEndpoint, sqs.inProcessEndpoint, names, options.logLevel);
    Object.assign(process.env, queueEnv(queues));
    // The gateway's own SES client sends to the mail catcher, which keeps every email and delivers none.
    const mail = start(await startMailCatcher());
    Object.assign(process.env, { AWS_ENDPOINT_URL_SESV2: mail.url, [mailEnv.fromEnvVar]: 'no-reply@gateway.local' });
    // Bound before any handler is imported too: the notifier reads its `@connections` endpoint when loaded.
    const websocket = start(await startWebSocketServer({ port: options.wsPort, quiet: options.quiet }));
    process.env[environment.websocketEndpoint] = websocket.managementEndpoint;

    const client = new DynamoDBClient({ ...clientConfig, endpoint: dynamodbEndpoint });
    await ensureTables(client, names).finally(client.destroy.bind(client));
    if (admin) await createAdmin(dynamodbEndpoint, names, admin);

    // The servers load their functions on first use; the ones behind a trigger or a WebSocket route are loaded now,
    // so that a missing or broken module fails the start rather than leaving messages, runs or connections unhandled.
    const triggered = functionSpecs.filter(([, spec]) => spec.consumes ?? spec.schedule ?? spec.stream);
    const preloaded = [...triggered.map(([name]) => name), ...websocketRoutes.map((route) => route.function)];
    await Promise.all(preloaded.map(loadHandler));

    const localRoutes = [mail.answer, consoleRoute({ websocketUrl: websocket.url }), ...(proxy ? [proxy.answer] : [])];
    const http = start(await startHttpServer({ port: options.port, quiet: options.quiet, localRoutes }));
    const streamsClient = new DynamoDBStreamsClient({ ...clientConfig, endpoint: dynamodbEndpoint });
    start({ stop: streamsClient.destroy.bind(streamsClient) });
    const summary = [
      `HTTP API        ${http.url}`,
      `Console         ${http.url}/console/ (sign in as ADMIN_EMAIL)`,
      `WebSocket       ${websocket.url} (@connections at ${websocket.managementEndpoint})`,
      `DynamoDB Local  ${dynamodb.endpoint}${proxy ? ` (${proxy.summary})` : ''}`,
      `SQS (fauxqs)    ${sqs.endpoint}`,
      `Mail catcher    ${mail.url} (captured mail; GET /local/emails?to=<address> on the HTTP API)`,
    ];
    // The triggers stop together: each waits out its own poll or run, and none waits for another.
    const triggers: { stop(): unknown }[] = [];
    start({ stop: () => Promise.all(triggers.map((trigger) => trigger.stop())) });
    for (const [functionName, { consumes, schedule, stream, timeoutSeconds }] of triggered) {
      const runs = { handler: await loadHandler(functionName), functionName, timeoutSeconds };
      if (consumes) {
        const { url: queueUrl, arn: queueArn } = queues[consumes.queue];
        const concurrency = consumes.maxConcurrency;
        triggers.push(
          startSqsEventSource({ ...consumes, ...runs, client: sqsClient, queueUrl, queueArn, concurrency }),
        );
        summary.push(`Queue           ${consumes.queue} -> ${functionName} (DLQ ${dlqName(consumes.queue)})`);
      }
      if (schedule) {
        const everySeconds = options.scheduleIntervalSeconds ?? schedule.everyMinutes * 60;
        triggers.push(startSchedule({ ...runs, everyMs: everySeconds * 1000 }));
        summary.push(`Schedule        ${functionName} every ${everySeconds} s`);
      }
      if (stream) {
        // Starting position LATEST: each source has its shard iterators before the stack reports ready.
        const tableName = names[stream.table];
        triggers.push(await startStreamSource({ ...stream, ...runs, client: streamsClient, tableName }));
        summary.push(`Stream          ${stream.table} -> ${functionName}`);
      }
    }

    const failed = dynamodb.exited.then(({ code, signal }) =>
      stopping
        ? new Promise<Error>(() => undefined)
        : new Error(`DynamoDB Local exited unexpectedly (${signal ? `signal ${signal}` : `code ${String(code)}`})`),
    );
    return { summary: [...summary, `Data            ${dataDir}`], failed, stop };
  } catch (error) {
    await stop().catch((stopError: unknown) => {
      console.error('While stopping after a failed start:', stopError);
    });
    throw error;
  }
};
