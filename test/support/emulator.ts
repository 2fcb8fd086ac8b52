/**
 * `npm run test:emulator`: the integration suite against a single-endpoint AWS emulator (jest.emulator.config.js).
 * With AWS_ENDPOINT_URL set (a LocalStack you run), against that; otherwise against a `moto_server` started here on a
 * free port, behind a proxy that serves it one request at a time (see startSerialProxy), and stopped, by its pid,
 * however the run ends. Exits with jest's code; arguments go to jest. A moto_server of your own given as
 * AWS_ENDPOINT_URL gets no such proxy: the concurrent payment tests are then not reliable on it.
 *
 *   node --import tsx test/support/emulator.ts [jest args]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { answersDynamoDb } from '../../infra/local/dynamodb-local';
import { exitOf, findFreePort, hasExited, watch } from '../../infra/local/helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JEST = createRequire(import.meta.url).resolve('jest/bin/jest');
const NODE_FLAGS = '--experimental-vm-modules --disable-warning=ExperimentalWarning';
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

const exitCode = ({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): number =>
  code ?? 128 + (signal ? constants.signals[signal] : 0);

/** SIGINT and SIGTERM go to the child running at the time (moto while it starts, jest after); the first is kept. */
let received: NodeJS.Signals | undefined;
let current: ChildProcess | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  received ??= signal;
  current?.kill(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

interface Moto {
  endpoint: string;
  /** Settles once moto answers; rejects, with its output, if it exits or stays silent first. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const startMoto = (port: number): Moto => {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  current = child;
  // Drained throughout: moto logs every request, and a full pipe would stall it.
  const watched = watch(child);
  // The last resort if this process exits without stopping it: 'exit' listeners cannot wait.
  const killOnExit = () => {
    if (child.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.pid === undefined || hasExited(child)) return;
    const exited = exitOf(child);
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const failure = watched.spawnError
        ? `could not be started (${watched.spawnError.message}); is moto installed (pip install 'moto[server]')?`
        : hasExited(child)
          ? 'exited during startup'
          : Date.now() > deadline
            ? `did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms`
            : undefined;
      if (failure) {
        throw new Error(`moto_server ${failure}${watched.tail('moto_server')}`);
      }
      if (await answersDynamoDb(endpoint)) return;
      await sleep(100);
    }
  })();
  return { endpoint, ready, stop };
};

// Hop-by-hop: each leg has its own connection.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

interface SerialProxy {
  endpoint: string;
  close(): Promise<void>;
}

// DynamoDB's writes, by their X-Amz-Target; everything else (reads, SQS) waits behind them.
const WRITES = new Set(
  ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'].map(
    (op) => `DynamoDB_20120810.${op}`,
  ),
);

interface Pending {
  incoming: IncomingMessage;
  body: Buffer;
  outgoing: ServerResponse;
}

/**
 * An HTTP proxy on a free port that passes requests to `target` one at a time. moto_server is threaded, and moto is
 * not atomic under concurrent requests: a TransactWriteItems snapshots each table it touches and, when cancelled,
 * puts the snapshot back, erasing whatever other requests wrote meanwhile; a conditional write checks, then writes;
 * a read can see a cancelled transaction's writes. Served one by one, each request is atomic, as in DynamoDB, while
 * the tests' own concurrency (reads, plans and conditional writes interleaved across requests) is untouched.
 *
 * Any order of the requests waiting is one a real server could have chosen; this one serves writes first. Each
 * request to moto takes milliseconds (a Query reads the whole table), so with hundreds waiting in arrival order, a
 * writer's reads would be hundreds of requests old by its conditional write, which would fail for contention nearly
 * every time (the 200 concurrent transfers of test/integration/payments.test.ts took 7 minutes so).
 * Nothing here long-polls SQS, which would hold the line.
 */
const startSerialProxy = async (target: string): Promise<SerialProxy> => {
  const upstream = new URL(target);
  const writes: Pending[] = [];
  const others: Pending[] = [];
  let busy = false;

  const forward = ({ incoming, body, outgoing }: Pending) =>
    new Promise<void>((done) => {
      const fail = (error: Error) => {
        if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`moto_server: ${error.message}`);
        done();
      };
      // The Host header is passed on as it came, so that moto's queue URLs name the proxy.
      const call = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          const headers: OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
          }
          outgoing.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(outgoing);
          answer.once('end', done);
          answer.once('error', fail);
        },
      );
      call.once('error', fail);
      call.end(body);
    });

  const pump = async () => {
    if (busy) return;
    busy = true;
    for (let next = writes.shift() ?? others.shift(); next; next = writes.shift() ?? others.shift()) {
      await forward(next);
    }
    busy = false;
  };

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      const target = incoming.headers['x-amz-target'];
      (typeof target === 'string' && WRITES.has(target) ? writes : others).push({
        incoming,
        body: Buffer.concat(chunks),
        outgoing,
      });
      void pump();
    });
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => {
      listening();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((closed) => {
        server.close(() => {
          closed();
        });
        server.closeAllConnections();
      }),
  };
};

const runJest = async (env: NodeJS.ProcessEnv, args: readonly string[]): Promise<number> => {
  const child = spawn(process.execPath, [JEST, '-c', 'jest.emulator.config.js', ...args], {
    cwd: ROOT,
    env: { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, NODE_FLAGS].filter(Boolean).join(' ') },
    stdio: 'inherit',
  });
  current = child;
  return exitCode(await exitOf(child));
};

const describeEndpoints = (env: NodeJS.ProcessEnv) =>
  `DynamoDB ${env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL ?? '?'}, SQS ${env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL ?? '?'}`;

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  const { env } = process;
  if (env.AWS_ENDPOINT_URL || (env.AWS_ENDPOINT_URL_DYNAMODB && env.AWS_ENDPOINT_URL_SQS)) {
    console.log(`Integration suite against the given emulator: ${describeEndpoints(env)}`);
    return runJest(env, args);
  }
  const moto = startMoto(await findFreePort());
  let proxy: SerialProxy | undefined;
  try {
    await moto.ready;
    proxy = await startSerialProxy(moto.endpoint);
    const withMoto = { ...env, AWS_ENDPOINT_URL: proxy.endpoint };
    console.log(
      `Integration suite against moto_server at ${moto.endpoint}, one request at a time through ${proxy.endpoint}`,
    );
    if (received) return exitCode({ code: null, signal: received });
    return await runJest(withMoto, args);
  } finally {
    await proxy?.close();
    await moto.stop();
  }
};

main().then(
  (code) => {
    process.exitCode = received ? exitCode({ code: null, signal: received }) : code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = received ? exitCode({ code: null, signal: received }) : 1;
  },
);
