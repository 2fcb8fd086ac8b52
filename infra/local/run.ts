import { type LocalStack, LocalStackConfigError, type LocalStackOptions, startLocalStack } from './stack';

// Typed on the name, so that the compiler knows a call ends the process.
const fail: (message: string) => never = (message) => {
  console.error(message);
  process.exit(1);
};

/** A number from the environment, `fallback` when unset; a value `valid` refuses stops the start. */
const numberFrom = <F>(name: string, fallback: F, valid: (n: number) => boolean, what: string): number | F => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return valid(Number(raw)) ? Number(raw) : fail(`${name} must be ${what}, not "${raw}"`);
};

const portFrom = <F>(name: string, fallback: F) =>
  numberFrom(name, fallback, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number');

const isPositive = (n: number) => n > 0 && Number.isFinite(n);

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
    scheduleIntervalSeconds: numberFrom('SWEEP_INTERVAL_SECONDS', 10, isPositive, 'a positive number of seconds'),
    ...(email !== undefined && password !== undefined ? { admin: { email, password } } : {}),
    ...(logLevel ? { logLevel: logLevel.toUpperCase() } : {}),
    // The access log is info-level chatter: levels that ask for errors only silence it too.
    quiet: quietLevels.includes((logLevel ?? '').toUpperCase()),
  };
};

// A wrapper (npm, tsx) may relay the terminal's Ctrl-C that this process already got: only a signal well after the
// first one means "stop waiting". The 'exit' hook still kills DynamoDB Local then.
const FORCE_AFTER_MS = 1_000;

/** Runs the stack as `npm start` does, until a signal or a failure stops it, with `plugged`'s DynamoDB proxy if any. */
export const runLocalStack = async (plugged: Pick<LocalStackOptions, 'dynamodbProxy'> = {}): Promise<void> => {
  const config = { ...readConfig(), ...plugged };
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

  console.log(
    ['Billing gateway local stack is up', ...stack.summary.map((line) => `  ${line}`), 'Ctrl-C stops it.'].join('\n'),
  );
  void stack.failed.then((error) => {
    console.error(`${error.message}; stopping.`);
    void shutdown(1);
  });
};
