/**
 * The payment pipeline, measured end to end from outside: `npm run bench:pipeline`.
 *
 * Starts the local stack (`npm start`'s, on free ports and a fresh data dir, with the meter in front of DynamoDB Local:
 * bench/pipeline/metered-stack.ts), signs up and confirms users, opens and funds their wallets, opens a WebSocket per
 * user, then measures transfers over HTTP and WebSocket: POST → push latency one at a time and under load (CLIENTS
 * clients posting at once), the end-to-end rate (first POST to last push), and, from the stack's meter, every DynamoDB,
 * SQS and `@connections` request and every Lambda invocation per completed transfer; once for transfers spread over
 * distinct wallets and once for transfers all paying one merchant wallet. It writes its section of BENCHMARKS.md: those
 * figures beside the baseline's, the request list of one transfer, and what a million transfers would cost on AWS.
 *
 * `--baseline` records this run as the baseline (bench/pipeline-baseline.json), the "before" of later runs;
 * `--before <commit>` first measures, with this very script and meter, the pipeline of an earlier commit (checked out
 * in a temporary worktree, this `bench/` copied in) and records that as the baseline, so that before and after are
 * measured back to back; `--results <file>` writes the results as JSON and nothing else; `--no-write` prints the
 * section without touching BENCHMARKS.md or the baseline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { format, resolveConfig } from 'prettier';
import { httpClient } from '../test/support/http-client';
import { startLocalStackProcess } from '../test/support/local-stack';
import { sectionMarkers, writeSection } from './benchmarks-file';
import { adminToken, type Call, deposit, inBatches, newUser, postTransfer, type User } from './pipeline/clients';
import {
  type ListedRequest,
  percentile,
  perTransfer,
  type PerTransfer,
  readMeter,
  requestList,
} from './pipeline/figures';
import { type Results, renderSection, type ScenarioRun, type Timing } from './pipeline/report';

const CLIENTS = 40;
const PER_CLIENT = 10;
const SEQUENTIAL = 30;
const WARM_UP_ROUNDS = 3;
const WALLETS_PER_USER = 2;
const FUNDS = 10_000_000;
const PUSH_TIMEOUT_MS = 90_000;
const ADMIN = { email: 'bench-ops@example.com', password: 'a long benchmark password' };

const baselineFile = new URL('./pipeline-baseline.json', import.meta.url);
const METERED_STACK = 'bench/pipeline/metered-stack.ts';
const METER = 'bench/pipeline/meter.ts';
// Where the meter was before it left the local stack, which turned it on when LOCAL_METER=true.
const STACK_METER = 'infra/local/meter.ts';
const markers = sectionMarkers('bench/pipeline.ts');

/** One client: a payer's wallet, who gets told about it, and where it pays in each scenario. */
interface Client {
  payer: User;
  wallet: string;
  payee: { user: User; wallet: string };
}

interface World {
  call: Call;
  clients: Client[];
  merchant: User;
  users: User[];
}

type ScenarioName = 'spread' | 'merchant';

const load = (): number => loadavg()[0] ?? 0;

/**
 * Waits until no function runs, nor has been invoked, for `quietMs`: everything the transfers sent so far caused is
 * done, the stream's notifier included (its event source reads the stream every 250 ms).
 */
const quiesce = async (call: Call, quietMs = 1_000) => {
  let [last, since] = ['', Date.now()];
  for (;;) {
    const reading = await readMeter(call, Number.MAX_SAFE_INTEGER);
    const state = `${reading.running}:${reading.invocations.reduce((n, f) => n + f.count, 0)}`;
    if (state !== last) [last, since] = [state, Date.now()];
    else if (reading.running === 0 && Date.now() - since >= quietMs) return;
    await sleep(100);
  }
};

const prepare = async (call: Call, wsUrl: string): Promise<World> => {
  const admin = await adminToken(call, ADMIN.email, ADMIN.password);
  const users = CLIENTS / WALLETS_PER_USER;
  const signUp = (role: string) => (index: number) =>
    newUser(call, wsUrl, `bench-${role}-${index}@example.com`, WALLETS_PER_USER);
  // Sign-ups hash a password each (scrypt): a few at a time.
  const payers = await inBatches([...Array(users).keys()], 4, signUp('payer'));
  const payees = await inBatches([...Array(users).keys()], 4, signUp('payee'));
  const merchant = await newUser(call, wsUrl, 'bench-merchant@example.com', 1);
  const clients = payers.flatMap((payer, user) =>
    payer.wallets.map((wallet, index) => {
      const payee = payees[user] as User;
      return { payer, wallet, payee: { user: payee, wallet: payee.wallets[index] ?? '' } };
    }),
  );
  const funded = await inBatches(clients, 10, async (client) => ({
    client,
    id: await deposit(call, admin, client.wallet, FUNDS),
  }));
  await Promise.all(funded.map(({ client, id }) => client.payer.listener.arrival(id, PUSH_TIMEOUT_MS)));
  return { call, clients, merchant, users: [...payers, ...payees, merchant] };
};

const payeeOf = (world: World, client: Client, scenario: ScenarioName) =>
  scenario === 'spread' ? client.payee : { user: world.merchant, wallet: world.merchant.wallets[0] ?? '' };

let keys = 0;

/** One transfer, timed from the moment its POST is sent: the answer, and the push to the payer. */
const transfer = async (world: World, client: Client, scenario: ScenarioName) => {
  const sentAt = performance.now();
  const epochSentAt = Date.now();
  const payee = payeeOf(world, client, scenario);
  const id = await postTransfer(world.call, client.payer.token, client.wallet, payee.wallet, `bench-${++keys}`);
  const answeredAt = performance.now();
  return { id, sentAt, epochSentAt, answeredAt, pushed: client.payer.listener.arrival(id, PUSH_TIMEOUT_MS) };
};

/**
 * A few rounds of transfers from every client in both scenarios before anything is measured: the functions' modules
 * are loaded, and both JITs (Node.js's, and DynamoDB Local's JVM) have compiled the paths a transfer takes.
 */
const warmUp = async (world: World) => {
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (const scenario of ['spread', 'merchant'] as const) {
      const sent = await Promise.all(world.clients.map((client) => transfer(world, client, scenario)));
      await Promise.all(sent.map((one) => one.pushed));
    }
  }
  await quiesce(world.call);
};

/** One transfer alone, every request it causes in order, each item named by what it is to the transfer. */
const traceOne = async (world: World): Promise<{ list: ListedRequest[]; figures: PerTransfer }> => {
  const [client] = world.clients;
  if (!client) throw new Error('No client');
  await quiesce(world.call);
  const before = await readMeter(world.call, Number.MAX_SAFE_INTEGER);
  const one = await transfer(world, client, 'spread');
  await one.pushed;
  await client.payee.user.listener.arrival(one.id, PUSH_TIMEOUT_MS);
  await quiesce(world.call);
  const after = await readMeter(world.call, before.seq);
  const labels = new Map([
    [one.id, 'the payment'],
    [client.wallet, "the payer's wallet"],
    [client.payee.wallet, "the payee's wallet"],
    [client.payer.userId, 'the payer'],
    [client.payee.user.userId, 'the payee'],
    [client.payer.token.split('.')[0] ?? '', "the payer's token"],
    [client.payee.user.token.split('.')[0] ?? '', "the payee's token"],
  ]);
  return { list: requestList(after.trace, one.epochSentAt, labels), figures: perTransfer(before, after, 1) };
};

const percentiles = (values: readonly number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });

const timingOf = (samples: { sentAt: number; answeredAt: number; pushedAt: number }[]): Timing => ({
  post: percentiles(samples.map((s) => s.answeredAt - s.sentAt)),
  push: percentiles(samples.map((s) => s.pushedAt - s.sentAt)),
});

const unloaded = async (world: World, scenario: ScenarioName) => {
  const before = await readMeter(world.call, Number.MAX_SAFE_INTEGER);
  const samples = [];
  for (let index = 0; index < SEQUENTIAL; index++) {
    const one = await transfer(world, world.clients[index % world.clients.length] as Client, scenario);
    samples.push({ ...one, pushedAt: (await one.pushed).at });
    // Alone: what this transfer caused after its push (the stream's notifier) is done before the next one is sent.
    await quiesce(world.call, 500);
  }
  await quiesce(world.call);
  return {
    timing: timingOf(samples),
    figures: perTransfer(before, await readMeter(world.call, Number.MAX_SAFE_INTEGER), SEQUENTIAL),
  };
};

const loaded = async (world: World, scenario: ScenarioName) => {
  const before = await readMeter(world.call, Number.MAX_SAFE_INTEGER);
  const posts = await Promise.all(
    world.clients.map(async (client) => {
      const sent = [];
      for (let index = 0; index < PER_CLIENT; index++) sent.push(await transfer(world, client, scenario));
      return sent;
    }),
  );
  const all = posts.flat();
  const outcomes = await Promise.allSettled(all.map((one) => one.pushed));
  const pushed = all.flatMap((one, index) => {
    const outcome = outcomes[index];
    return outcome?.status === 'fulfilled'
      ? [{ ...one, pushedAt: outcome.value.at, status: outcome.value.status }]
      : [];
  });
  const first = Math.min(...all.map((one) => one.sentAt));
  const lastAnswer = Math.max(...all.map((one) => one.answeredAt));
  const lastPush = Math.max(...pushed.map((one) => one.pushedAt));
  await quiesce(world.call);
  const completed = pushed.filter((one) => one.status === 'COMPLETED').length;
  return {
    transfers: all.length,
    completed,
    failed: pushed.length - completed,
    missing: all.length - pushed.length,
    acceptedPerSecond: (all.length * 1000) / (lastAnswer - first),
    endToEndPerSecond: (pushed.length * 1000) / (lastPush - first),
    seconds: (lastPush - first) / 1000,
    timing: timingOf(pushed),
    figures: perTransfer(before, await readMeter(world.call, Number.MAX_SAFE_INTEGER), Math.max(completed, 1)),
  };
};

const scenarioRun = async (world: World, scenario: ScenarioName): Promise<ScenarioRun> => {
  const loadBefore = load();
  const quiet = await unloaded(world, scenario);
  const busy = await loaded(world, scenario);
  process.stderr.write(`${scenario}: ${busy.endToEndPerSecond.toFixed(1)} payments/s end to end\n`);
  return { unloaded: quiet, loaded: busy, load: [loadBefore, load()] };
};

const machine = (): string => {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores`;
};

const measure = async (): Promise<Results> => {
  const startLoad = load();
  const stack = await startLocalStackProcess(
    {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // The sweeper's reads are a cost per minute, not per payment: kept out of the figures.
      SWEEP_INTERVAL_SECONDS: '3600',
      LOG_LEVEL: 'ERROR',
    },
    { startTimeoutMs: 120_000, entry: METERED_STACK, asNpmStart: true },
  );
  let world: World | undefined;
  try {
    const call = httpClient(() => stack.baseUrl);
    const started = performance.now();
    const phase = (what: string) => {
      process.stderr.write(`${what} after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    };
    world = await prepare(call, stack.wsUrl);
    phase('users signed up and funded');
    await warmUp(world);
    const traced = await traceOne(world);
    phase('one transfer traced');
    const spread = await scenarioRun(world, 'spread');
    const merchant = await scenarioRun(world, 'merchant');
    const duplicates = world.users.reduce((sum, user) => sum + user.listener.duplicates(), 0);
    return {
      date: new Date().toISOString().slice(0, 10),
      machine: machine(),
      node: process.version,
      clients: CLIENTS,
      perClient: PER_CLIENT,
      sequential: SEQUENTIAL,
      load: [startLoad, load()],
      requestList: traced.list,
      oneTransfer: traced.figures,
      scenarios: { spread, merchant },
      duplicatePushes: duplicates,
    };
  } finally {
    for (const user of world?.users ?? []) user.listener.close();
    await stack.stop();
  }
};

const readBaseline = async (): Promise<Results | undefined> => {
  try {
    return JSON.parse(await readFile(baselineFile, 'utf8')) as Results;
  } catch {
    return undefined;
  }
};

/** Results as JSON, formatted as `prettier --check` expects. */
const writeResults = async (file: URL, results: Results) => {
  const path = file.pathname;
  await writeFile(file, await format(JSON.stringify(results), { ...(await resolveConfig(path)), filepath: path }));
};

/**
 * The results of this script run on the pipeline of `commit`: checked out in a temporary worktree that shares this
 * one's node_modules, with this `bench/` (this meter with it) copied over its own, so that only the pipeline differs.
 * A commit from before the meter left the local stack has its own in `infra/local/`, which its stack turns on when
 * LOCAL_METER=true, and its test support starts `infra/local/main.ts` whatever entry it is given: this meter is copied
 * over that one (its imports, two folders up, resolve the same from there) and the run gets LOCAL_METER=true.
 */
const measureAt = async (commit: string): Promise<Results> => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'pipeline-before-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'inherit' });
  git('worktree', 'add', '--detach', dir, commit);
  try {
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
    await cp(join(root, 'bench'), join(dir, 'bench'), { recursive: true, force: true });
    const meteredByStack = existsSync(join(dir, STACK_METER));
    if (meteredByStack) await cp(join(root, METER), join(dir, STACK_METER), { force: true });
    const out = join(dir, 'results.json');
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/pipeline.ts', '--results', out], {
      cwd: dir,
      stdio: 'inherit',
      env: meteredByStack ? { ...process.env, LOCAL_METER: 'true' } : process.env,
    });
    return JSON.parse(await readFile(out, 'utf8')) as Results;
  } finally {
    git('worktree', 'remove', '--force', dir);
    await rm(dir, { recursive: true, force: true });
  }
};

const valueOf = (args: readonly string[], flag: string): string | undefined => {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const resultsFile = valueOf(args, '--results');
  const before = valueOf(args, '--before');
  const measuredBefore = before === undefined ? undefined : await measureAt(before);
  const results = await measure();
  if (resultsFile !== undefined) {
    await writeFile(resultsFile, JSON.stringify(results));
    return;
  }
  const recording = args.includes('--baseline');
  const baseline = recording ? undefined : (measuredBefore ?? (await readBaseline()));
  const section = renderSection(markers, results, baseline);
  console.log(section);
  if (args.includes('--no-write')) return;
  if (recording) await writeResults(baselineFile, results);
  if (measuredBefore) await writeResults(baselineFile, measuredBefore);
  console.log(`\nWritten to ${await writeSection(markers, section)}`);
};

await main();
