/**
 * `npm run test:schemathesis`: proves the OpenAPI document against the API it describes. Starts the local stack on free
 * ports with an admin, signs up a user and confirms its email, funds its wallet with a bank deposit, then runs
 * Schemathesis (`schemathesis.toml`: every phase, every check) against `GET /openapi.json`, once with the user's token
 * and once with the admin's. Any failure, error or 5xx fails the script.
 *
 * `DELETE /v1/tokens` revokes the very token a run authenticates with, so each identity runs it last, on its own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, httpClient } from '../support/http-client';
import { startLocalStackProcess } from '../support/local-stack';

/** Pinned: a new release brings new checks, which land here on purpose, not on a CI run. */
const SCHEMATHESIS_VERSION = '4.32.5';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = { email: 'ops@example.com', password: 'a long password' };
// The user of the document's examples (POST /v1/users, POST /v1/tokens), so that the examples and the links that
// follow them act on the user the run is authenticated as.
const USER = { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' };
const REVOKE_ALL = 'revokeAllTokens';

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
  /** Schemathesis' own closing lines: operations tested, test cases, failures. */
  summary: string[];
}

const SUMMARY_LINE = /^\s*(Tested|Errored|Skipped):|test cases?|generated|={3,}.*in [0-9.]+s/i;

/** One `st run`, its output streamed through, its summary kept. */
const schemathesis = (name: string, schemaUrl: string, token: string, filter: string[]): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const lines: string[] = [];
    console.log(`\n=== Schemathesis, ${name} ===`);
    const child = spawn(
      'python3',
      ['-m', 'schemathesis.cli', '--config-file', join(ROOT, 'schemathesis.toml'), 'run', schemaUrl, ...filter],
      {
        cwd: ROOT,
        env: { ...process.env, SCHEMATHESIS_TOKEN: token, NO_COLOR: '1', COLUMNS: '120' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      lines.push(...chunk.toString().split('\n'));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({
        name,
        exitCode: code ?? 1,
        seconds: Math.round((Date.now() - started) / 1000),
        summary: lines.filter((line) => SUMMARY_LINE.test(line)).map((line) => line.trim()),
      });
    });
  });

const main = async (): Promise<number> => {
  ensureSchemathesis();
  const dataDir = await mkdtemp(join(tmpdir(), 'billing-gateway-schemathesis-'));
  const stack = await startLocalStackProcess(
    { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'ERROR' },
    { dataDir, startTimeoutMs: 120_000 },
  );
  const results: RunResult[] = [];
  try {
    const tokens = await prepare(httpClient(() => stack.baseUrl));
    const schemaUrl = `${stack.baseUrl}/openapi.json`;
    for (const [name, token] of [
      ['user', tokens.user],
      ['admin', tokens.admin],
    ] as const) {
      results.push(
        await schemathesis(`${name}, every operation but ${REVOKE_ALL}`, schemaUrl, token, [
          '--exclude-operation-id',
          REVOKE_ALL,
        ]),
      );
      results.push(
        await schemathesis(`${name}, ${REVOKE_ALL} last`, schemaUrl, token, ['--include-operation-id', REVOKE_ALL]),
      );
    }
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log('\n=== Schemathesis summary ===');
  for (const result of results) {
    console.log(`${result.exitCode === 0 ? 'passed' : 'FAILED'}  ${result.name} (${result.seconds} s)`);
    for (const line of result.summary) console.log(`    ${line}`);
  }
  return results.every((result) => result.exitCode === 0) ? 0 : 1;
};

process.exitCode = await main();
