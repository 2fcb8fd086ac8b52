/**
 * `npm run test:schemathesis`: proves the OpenAPI document against the API it describes. Starts the local stack on free
 * ports with an admin, signs up a user and confirms its email, funds its wallet with a bank deposit, then runs
 * Schemathesis (`schemathesis.toml`: every phase, every check) against `GET /openapi.json`, once with the user's token
 * and once with the admin's. Any failure, error or 5xx fails the script, and so does a run past its deadline.
 *
 * The two identities run side by side, each Schemathesis process on one worker: Python 3.11's `ast.parse`, which
 * Hypothesis calls while it builds strategies, is not safe across threads. Operations open to anyone answer the same
 * whatever the token: the admin's run leaves them to the user's.
 *
 * `DELETE /v1/tokens` revokes the very token a run authenticates with, so each identity runs it last, on its own, and
 * without the stateful phase: no link leads to it, as it takes nothing from another answer.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, httpClient } from '../support/http-client';
import { type LocalStackProcess, startLocalStackProcess } from '../support/local-stack';

/** Pinned: a new release brings new checks, which land here on purpose, not on a CI run. */
const SCHEMATHESIS_VERSION = '4.32.5';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = { email: 'ops@example.com', password: 'a long password' };
// The user of the document's examples (POST /v1/users, POST /v1/tokens), so that the examples and the links that
// follow them act on the user the run is authenticated as.
const USER = { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' };
const REVOKE_ALL = 'revokeAllTokens';
/** Far above what a run takes here (two to three minutes): only a run that hangs meets it. */
const RUN_DEADLINE_MS = 8 * 60_000;

const installedVersion = (): string | undefined => {
  try {
    return execFileSync('python3', ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
};

/** Installs the pinned Schemathesis from PyPI unless it is there already. */
const ensureSchemathesis = (): void => {
  if (installedVersion() === SCHEMATHESIS_VERSION) return;
  console.log(`Installing schemathesis ${SCHEMATHESIS_VERSION}`);
  const install = ['-m', 'pip', 'install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`];
  try {
    execFileSync('python3', install, { stdio: 'inherit' });
  } catch {
    // A system Python managed by the distribution (PEP 668) refuses installs outside a virtual environment.
    execFileSync('python3', [...install, '--break-system-packages'], { stdio: 'inherit' });
  }
  if (installedVersion() !== SCHEMATHESIS_VERSION) throw new Error(`schemathesis ${SCHEMATHESIS_VERSION} is missing`);
};

type Call = ReturnType<typeof httpClient>;

const expectStatus = (what: string, reply: { status: number; body: unknown }, status: number) => {
  if (reply.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
};

/** The admin's token, and the user's, with its email confirmed and a funded USD wallet. */
const prepare = async (call: Call): Promise<{ user: string; admin: string }> => {
  const signUp = await call('POST', '/v1/users', { body: USER });
  expectStatus('sign-up', signUp, 201);
  const user = (signUp.body as { token: { token: string } }).token.token;

  const confirmation = await eventually(async () => {
    const emails = await call('GET', `/local/emails?to=${encodeURIComponent(USER.email)}`);
    const text = (emails.body as { data: { text: string }[] }).data[0]?.text;
    return text?.match(/[A-Za-z0-9_-]{20,}/)?.[0];
  }, 10_000);
  expectStatus('confirmation', await call('POST', '/v1/users/confirmation', { body: { token: confirmation } }), 200);

  const signIn = await call('POST', '/v1/tokens', { body: { ...ADMIN, name: 'schemathesis' } });
  expectStatus('admin sign-in', signIn, 201);
  const admin = (signIn.body as { token: string }).token;

  const wallet = await call('POST', '/v1/accounts', { token: user, body: { currency: 'USD', name: 'Main' } });
  expectStatus('wallet', wallet, 201);
  const accountId = (wallet.body as { id: string }).id;
  const deposit = await call('POST', '/v1/admin/deposits', {
    token: admin,
    body: { accountId, amount: 1_000_000, currency: 'USD', reference: 'SCHEMATHESIS-1' },
  });
  expectStatus('deposit', deposit, 202);
  const paymentId = (deposit.body as { id: string }).id;
  await eventually(async () => {
    const payment = await call('GET', `/v1/payments/${paymentId}`, { token: admin });
    return (payment.body as { status: string }).status === 'COMPLETED' ? true : undefined;
  }, 30_000);
  return { user, admin };
};

interface RunResult {
  name: string;
  exitCode: number;
  seconds: number;
  /** Schemathesis' own closing section: operations tested, phases, failures, test cases. */
  summary: string[];
}

/** The section Schemathesis closes with, from its `SUMMARY` rule to its last line. */
const summaryOf = (lines: readonly string[]): string[] => {
  const start = lines.findIndex((line) => /^=+ SUMMARY =+$/.test(line.trim()));
  return start < 0 ? [] : lines.slice(start + 1).filter((line) => line.trim() !== '');
};

const running = new Set<ChildProcess>();

/**
 * One `st run`. Its output is kept and printed whole once it ends, so that two runs side by side do not interleave; a
 * line says when it starts.
 */
const schemathesis = (
  name: string,
  schemaUrl: string,
  identity: { email: string; token: string },
  options: string[],
): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    let output = '';
    console.log(`Schemathesis, ${name}: started`);
    const child = spawn(
      'python3',
      ['-m', 'schemathesis.cli', '--config-file', join(ROOT, 'schemathesis.toml'), 'run', schemaUrl, ...options],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          SCHEMATHESIS_TOKEN: identity.token,
          SCHEMATHESIS_EMAIL: identity.email,
          NO_COLOR: '1',
          COLUMNS: '120',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    const deadline = setTimeout(() => {
      output += `\n${name}: still running after ${RUN_DEADLINE_MS / 60_000} minutes, stopped\n`;
      child.kill('SIGKILL');
    }, RUN_DEADLINE_MS);
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      running.delete(child);
      console.log(`\n=== Schemathesis, ${name} ===\n${output}`);
      resolve({
        name,
        exitCode: code ?? 1,
        seconds: Math.round((Date.now() - started) / 1000),
        summary: summaryOf(output.split('\n')),
      });
    });
  });

interface OpenApiOperation {
  operationId: string;
  security: unknown[];
}

/** The operations anyone may call, by id, as the served document declares them. */
const publicOperations = async (schemaUrl: string): Promise<string[]> => {
  const document = (await (await fetch(schemaUrl)).json()) as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  return Object.values(document.paths)
    .flatMap((operations) => Object.values(operations))
    .filter((operation) => operation.security.length === 0)
    .map((operation) => operation.operationId);
};

const excluding = (operationIds: readonly string[]) => operationIds.flatMap((id) => ['--exclude-operation-id', id]);

/**
 * `SCHEMATHESIS_SEED` makes a run draw the same cases as every other run with that seed (CI sets one, so that a change
 * to the gateway, not the luck of the draw, decides whether it passes); without it, each run draws afresh.
 */
const seeded = (): string[] => {
  const seed = process.env.SCHEMATHESIS_SEED;
  if (seed === undefined || seed === '') return [];
  if (!/^[0-9]{1,18}$/.test(seed)) throw new Error(`SCHEMATHESIS_SEED must be a whole number, not "${seed}"`);
  return ['--seed', seed];
};

const main = async (): Promise<number> => {
  const began = Date.now();
  ensureSchemathesis();
  let stack: LocalStackProcess | undefined;
  // Ctrl-C or a CI timeout stops Schemathesis and the stack (Java included) rather than leaving them behind.
  const interrupt = (signal: NodeJS.Signals) => {
    for (const child of running) child.kill('SIGKILL');
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const results: RunResult[] = [];
  try {
    stack = await startLocalStackProcess(
      {
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        // Schemathesis registers webhooks to whatever URLs it draws: deliveries stay on this machine.
        WEBHOOK_LOOPBACK_ONLY: 'true',
        LOG_LEVEL: 'ERROR',
      },
      { startTimeoutMs: 120_000 },
    );
    const { baseUrl } = stack;
    const tokens = await prepare(httpClient(() => baseUrl));
    const user = { email: USER.email, token: tokens.user };
    const admin = { email: ADMIN.email, token: tokens.admin };
    const schemaUrl = `${baseUrl}/openapi.json`;
    const open = await publicOperations(schemaUrl);
    const seed = seeded();
    results.push(
      ...(await Promise.all([
        schemathesis(`user, every operation but ${REVOKE_ALL}`, schemaUrl, user, [...seed, ...excluding([REVOKE_ALL])]),
        schemathesis(`admin, every operation but ${REVOKE_ALL} and those open to anyone`, schemaUrl, admin, [
          ...seed,
          ...excluding([REVOKE_ALL, ...open]),
        ]),
      ])),
    );
    const revokeAll = [...seed, '--include-operation-id', REVOKE_ALL, '--phases', 'examples,coverage,fuzzing'];
    results.push(
      ...(await Promise.all([
        schemathesis(`user, ${REVOKE_ALL} last`, schemaUrl, user, revokeAll),
        schemathesis(`admin, ${REVOKE_ALL} last`, schemaUrl, admin, revokeAll),
      ])),
    );
  } finally {
    await stack?.stop();
  }
  console.log('\n=== Schemathesis summary ===');
  for (const result of results) {
    console.log(`${result.exitCode === 0 ? 'passed' : 'FAILED'}  ${result.name} (${result.seconds} s)`);
    for (const line of result.summary) console.log(`    ${line}`);
  }
  const passed = results.filter((result) => result.exitCode === 0).length;
  console.log(
    `\nschemathesis: ${passed} passed, ${results.length - passed} failed (${Math.round((Date.now() - began) / 1000)} s)`,
  );
  return passed === results.length ? 0 : 1;
};

process.exitCode = await main();
