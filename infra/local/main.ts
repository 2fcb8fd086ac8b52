import { dlqName } from './queues';
import { type LocalStack, LocalStackConfigError, type LocalStackOptions, startLocalStack } from './stack';

/** `npm start`: the whole API on this machine, configured from the environment. */

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const portFrom = (name: string, fallback: number | undefined): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`${name} must be a port number, not "${raw}"`);
  return port;
};

const secondsFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    return fail(`${name} must be a positive number of seconds, not "${raw}"`);
  return seconds;
};

const readConfig = (): LocalStackOptions => {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password, LOG_LEVEL: logLevel } = process.env;
  if ((email === undefined) !== (password === undefined)) fail('Set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither');
  const quietLevels = ['ERROR', 'CRITICAL', 'SILENT'];
  return {
    port: portFrom('PORT', 3000),
    wsPort: portFrom('WS_PORT', 3001),
    dataDir: process.env.DATA_DIR || '.data',
    dynamodbPort: portFrom('DYNAMODB_PORT', undefined),
    // The sweeper runs every minute on AWS; locally, often enough to watch it work.
    scheduleIntervalSeconds: secondsFrom('SWEEP_INTERVAL_SECONDS', 10),
    ...(email !== undefined && password !== undefined ? { admin: { email, password } } : {}),
    ...(logLevel ? { logLevel: logLevel.toUpperCase() } : {}),
    // The access log is info-level chatter: levels that ask for errors only silence it too.
    quiet: quietLevels.includes((logLevel ?? '').toUpperCase()),
  };
};

const banner = (stack: LocalStack): string =>
  [
    'Billing gateway local stack is up',
    `  HTTP API        ${stack.httpUrl}`,
    `  WebSocket       ${stack.wsUrl} (@connections at ${stack.websocketEndpoint})`,
    `  DynamoDB Local  ${stack.dynamodbEndpoint}`,
    `  Mail catcher    ${stack.mailUrl} (captured mail; GET /local/emails?to=<address> on the HTTP API)`,
    `  SQS (fauxqs)    ${stack.sqsEndpoint}`,
    ...stack.consumers.map(
      ({ function: name, queue }) => `  Queue           ${queue} -> ${name} (DLQ ${dlqName(queue)})`,
    ),
    ...stack.schedules.map(({ function: name, everySeconds }) => `  Schedule        ${name} every ${everySeconds} s`),
    ...stack.streams.map(({ function: name, table }) => `  Stream          ${table} -> ${name}`),
    `  Data            ${stack.dataDir}`,
    'Ctrl-C stops it.',
  ].join('\n');

const config = readConfig();
let stack: LocalStack | undefined;
let shutdownStarted: number | undefined;

const shutdown = async (code: number) => {
  if (shutdownStarted !== undefined) return;
  shutdownStarted = Date.now();
  try {
    await stack?.stop();
  } catch (error) {
    console.error(error);
    code = code || 1;
  }
  process.exit(code);
};

// A wrapper (npm, tsx) may relay the terminal's Ctrl-C that this process already got: only a signal well after the
// first one means "stop waiting". The 'exit' hook still kills DynamoDB Local then.
const FORCE_AFTER_MS = 1_000;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!stack) process.exit(130);
    if (shutdownStarted === undefined) void shutdown(0);
    else if (Date.now() - shutdownStarted > FORCE_AFTER_MS) process.exit(130);
  });
}

try {
  stack = await startLocalStack(config);
} catch (error) {
  fail(
    error instanceof LocalStackConfigError
      ? error.message
      : `The local stack failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
}

if (stack) {
  console.log(banner(stack));
  void stack.failed.then((error) => {
    console.error(`${error.message}; stopping.`);
    void shutdown(1);
  });
}
