import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { environment } from '../../functions/manifest';
import { exitOf, findFreePort, hasExited, watch } from '../../infra/local/helpers';

export interface LocalStackProcessOptions {
  /** Reuse a data dir (a restart on the same data); it is then the caller's to remove. */
  dataDir?: string;
  /** Leave the fresh temp data dir in place on stop, to restart on it or to look at it. */
  keepData?: boolean;
  /** How long to wait for `GET /v1/health` to answer 200. */
  startTimeoutMs?: number;
  /** The script that runs the stack, from the repository's root; `npm start`'s when omitted. */
  entry?: string;
  /**
   * Run as `npm start` does, for a benchmark's figures: DynamoDB Local's JVM with its full JIT, not `QUICK_JVM`, and
   * passwords hashed at OWASP's cost, not `TEST_HASHING`.
   */
  asNpmStart?: boolean;
}

export interface LocalStackProcess {
  baseUrl: string;
  wsUrl: string;
  dataDir: string;
  pid: number;
  /** Everything the stack printed so far, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join('infra', 'local', 'main.ts');
const OUTPUT_LIMIT = 256 * 1024;
/** The first line of what the stack prints once it has started (its summary of endpoints follows). */
const UP = 'local stack is up';
const STOP_GRACE_MS = 10_000;

/** Direct children of a process (DynamoDB Local's java, here), read before killing it leaves them orphaned. */
const childrenOf = async (pid: number): Promise<number[]> => {
  const parse = (text: string) =>
    text
      .split(/\s+/)
      .filter((word) => word !== '')
      .map(Number)
      .filter(Number.isInteger);
  try {
    return parse(await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8'));
  } catch {
    try {
      return parse((await promisify(execFile)('pgrep', ['-P', String(pid)])).stdout);
    } catch {
      return [];
    }
  }
};

const killHard = async (child: ChildProcess) => {
  if (child.pid === undefined || hasExited(child)) return;
  const orphans = await childrenOf(child.pid);
  child.kill('SIGKILL');
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};

/**
 * How a test's stack runs DynamoDB Local's JVM (`JDK_JAVA_OPTIONS`, unless the environment sets its own): the first
 * JIT tier only, and the serial collector. A test's stack answers a few hundred requests in its life, where C2's
 * compilations and G1's threads cost more CPU than they save: the end-to-end tier took 118 s and 137 CPU seconds here
 * instead of 147 s and 208. The storms run on the integration tier's DynamoDB Local, which keeps the full JIT.
 */
const QUICK_JVM = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/**
 * A test's stack hashes passwords at the integration tests' scrypt cost (N=2^10), as frameworks' test settings do
 * (Rails' `min_cost`, Django's test hashers): at OWASP's cost every sign-up and sign-in is half a CPU second here, and
 * the end-to-end tier made about a hundred of them. OWASP's cost itself is a unit test's
 * (`test/unit/security.test.ts`); `npm start` and AWS always hash at it.
 */
const TEST_HASHING = { [environment.testPasswordHashing]: 'fast' };

/**
 * Runs `infra/local/main.ts` (or `entry`) as `npm start` would, on free ports and a fresh data dir, and resolves once
 * `GET /v1/health` answers 200 and the stack has printed that it is up.
 */
export const startLocalStackProcess = async (
  env: Record<string, string> = {},
  options: LocalStackProcessOptions = {},
): Promise<LocalStackProcess> => {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'billing-gateway-e2e-')));
  const [port, wsPort] = [await findFreePort(), await findFreePort()];
  const baseUrl = `http://127.0.0.1:${port}`;

  // `node --import tsx` rather than the tsx CLI or npm: one process, so SIGTERM reaches the stack itself.
  // The developer's own stack settings must not leak into a test's stack: only `env` chooses them.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !['DYNAMODB_PORT', 'ADMIN_EMAIL', 'ADMIN_PASSWORD'].includes(name)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? MAIN], {
    cwd: ROOT,
    env: {
      ...(options.asNpmStart ? {} : { JDK_JAVA_OPTIONS: QUICK_JVM, ...TEST_HASHING }),
      ...inherited,
      LOG_LEVEL: 'WARN',
      ...env,
      PORT: String(port),
      WS_PORT: String(wsPort),
      DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watch(child, OUTPUT_LIMIT);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (!hasExited(child) && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => void killHard(child), STOP_GRACE_MS);
        await exitOf(child);
        clearTimeout(timer);
      }
      if (ownsDataDir && !options.keepData) await rm(dataDir, { recursive: true, force: true });
    })());

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const failure = (reason: string) =>
    new Error(`The local stack ${reason}.\n--- its output ---\n${watched.output.trim() || '(none)'}`, {
      cause: watched.spawnError,
    });
  for (;;) {
    if (watched.spawnError || hasExited(child)) {
      await stop();
      throw failure(
        watched.spawnError
          ? 'could not be spawned'
          : `exited with ${child.signalCode ?? `code ${String(child.exitCode)}`} before it was healthy`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/v1/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      // Healthy, and done starting: its triggers (the stream readers' iterators) come up after the HTTP API.
      if (response.status === 200 && watched.output.includes(UP)) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await killHard(child);
      await stop();
      throw failure(`did not answer GET /v1/health with 200 within ${timeoutMs} ms`);
    }
    await sleep(200);
  }

  if (child.pid === undefined) throw failure('has no process id');
  return { baseUrl, wsUrl: `ws://127.0.0.1:${wsPort}`, dataDir, pid: child.pid, output: () => watched.output, stop };
};
