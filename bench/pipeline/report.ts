import { costLines } from './costs';
import type { ListedRequest, PerTransfer } from './figures';

/** The pipeline benchmark's section of BENCHMARKS.md, from one run's results and the baseline's. */

/** Percentiles of the milliseconds from a POST being sent to an event. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/** From each POST being sent: to its answer, and to the push of its final state to the payer. */
export interface Timing {
  post: Percentiles;
  push: Percentiles;
}

export interface ScenarioRun {
  /** One transfer at a time, each sent once everything the previous one caused is done. */
  unloaded: { timing: Timing; figures: PerTransfer };
  /** Every client posting its transfers one after the other, all clients at once, not waiting for pushes. */
  loaded: {
    transfers: number;
    completed: number;
    failed: number;
    /** Never pushed within the wait. */
    missing: number;
    acceptedPerSecond: number;
    endToEndPerSecond: number;
    seconds: number;
    timing: Timing;
    figures: PerTransfer;
  };
  /** One-minute load average before and after. */
  load: [number, number];
}

export interface Results {
  date: string;
  machine: string;
  node: string;
  clients: number;
  perClient: number;
  sequential: number;
  load: [number, number];
  requestList: ListedRequest[];
  oneTransfer: PerTransfer;
  scenarios: { spread: ScenarioRun; merchant: ScenarioRun };
  /** Pushes of one event that reached one WebSocket more than once, over the whole run. */
  duplicatePushes: number;
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const pair = ({ p50, p99 }: Percentiles): string => `${fixed(p50, 0)} / ${fixed(p99, 0)}`;
const loads = ([start, end]: readonly number[]): string => `${fixed(start ?? NaN)} → ${fixed(end ?? NaN)}`;
const table = (header: string[], rows: string[][]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const sqsTotal = (figures: PerTransfer) => Object.values(figures.sqs).reduce((sum, n) => sum + n, 0);
const invocations = (figures: PerTransfer) => figures.lambda.reduce((sum, load) => sum + load.invocations, 0);

/** The figures of both scenarios, this run beside the baseline's. */
const figuresTable = (now: Results, before: Results | undefined): string => {
  const runs = (['spread', 'merchant'] as const).flatMap((name) => [
    ...(before ? [{ label: `${name}, before`, run: before.scenarios[name] }] : []),
    { label: before ? `${name}, now` : name, run: now.scenarios[name] },
  ]);
  const row = (metric: string, value: (run: ScenarioRun) => string) => [metric, ...runs.map(({ run }) => value(run))];
  return table(
    ['', ...runs.map(({ label }) => label)],
    [
      row('payments/s end to end, first POST to last push', (r) => fixed(r.loaded.endToEndPerSecond)),
      row('POSTs/s accepted', (r) => fixed(r.loaded.acceptedPerSecond)),
      row('POST → push p50 / p99 ms, under load', (r) => pair(r.loaded.timing.push)),
      row('POST answered p50 / p99 ms, under load', (r) => pair(r.loaded.timing.post)),
      row('POST → push p50 / p99 ms, one at a time', (r) => pair(r.unloaded.timing.push)),
      row('POST answered p50 / p99 ms, one at a time', (r) => pair(r.unloaded.timing.post)),
      row('completed / failed / not pushed', (r) => `${r.loaded.completed} / ${r.loaded.failed} / ${r.loaded.missing}`),
      row('DynamoDB requests per transfer, under load', (r) => fixed(r.loaded.figures.dynamodb.requests, 2)),
      row('DynamoDB requests per transfer, one at a time', (r) => fixed(r.unloaded.figures.dynamodb.requests, 2)),
      row('… of which refused (conditions, conflicts)', (r) => fixed(r.loaded.figures.dynamodb.failed, 2)),
      row('read units per transfer', (r) => fixed(r.loaded.figures.dynamodb.readUnits, 2)),
      row('write units per transfer, as reported', (r) => fixed(r.loaded.figures.dynamodb.writeUnits, 2)),
      row('write units per transfer, counted per item', (r) => fixed(r.loaded.figures.dynamodb.writeUnitsPerItem, 2)),
      row('DynamoDB Streams requests per transfer', (r) => fixed(r.loaded.figures.streamRequests, 2)),
      row('SQS requests per transfer (payments queue)', (r) => fixed(sqsTotal(r.loaded.figures), 2)),
      row('WebSocket pushes per transfer', (r) => fixed(r.loaded.figures.pushes, 2)),
      row('Lambda invocations per transfer', (r) => fixed(invocations(r.loaded.figures), 2)),
      row('load average (1 min), start → end', (r) => loads(r.load)),
    ],
  );
};

/** Who asks DynamoDB what, per transfer under load in the spread scenario. */
const requestsByFunction = (figures: PerTransfer): string =>
  table(
    ['function', 'request', 'tables', 'per transfer', 'read units', 'write units (per item)'],
    [...figures.rows]
      .sort((a, b) => (a.functionName ?? '').localeCompare(b.functionName ?? '') || b.requests - a.requests)
      .map((row) => [
        row.functionName ?? 'the stack',
        row.operation,
        row.tables.join(', '),
        fixed(row.requests, 2),
        fixed(row.readUnits, 2),
        fixed(row.writeUnitsPerItem, 2),
      ]),
  );

const lambdaTable = (figures: PerTransfer): string =>
  table(
    ['function', 'invocations per transfer', 'ms per transfer (local)'],
    figures.lambda.map((load) => [load.functionName, fixed(load.invocations, 2), fixed(load.ms, 1)]),
  );

const listTable = (list: readonly ListedRequest[]): string =>
  table(
    ['#', 'ms', 'by', 'request', 'items', 'what it is for'],
    list.map((entry, index) => [
      String(index + 1),
      fixed(entry.ms, 0),
      entry.by,
      entry.request,
      entry.items.replaceAll('|', '\\|'),
      entry.purpose,
    ]),
  );

const dollars = (value: number): string => `$${value < 1 ? value.toFixed(3) : value.toFixed(2)}`;

const costTable = ({ loaded, unloaded }: ScenarioRun): { text: string; total: number } => {
  const lines = costLines(loaded.figures, unloaded.figures);
  const total = lines.reduce((sum, line) => sum + line.perMillion, 0);
  const text = table(
    ['component', 'per transfer', 'price (us-east-1)', 'per million transfers'],
    [
      ...lines.map((line) => [
        line.component,
        line.perTransfer,
        `[${line.price.what}](${line.price.source}): ${line.price.stated}`,
        dollars(line.perMillion),
      ]),
      ['**total**', '', '', `**${dollars(total)}**`],
    ],
  );
  return { text, total };
};

const change = (before: number, now: number): string =>
  `${fixed(before, 2)} → ${fixed(now, 2)} (${now <= before ? '−' : '+'}${fixed(Math.abs(1 - now / before) * 100, 0)} %)`;

const targets = (now: Results, before: Results | undefined): string => {
  const spread = now.scenarios.spread;
  const ratio = now.scenarios.merchant.loaded.endToEndPerSecond / spread.loaded.endToEndPerSecond;
  const { p50 } = spread.unloaded.timing.push;
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  const rows = [
    ...(before
      ? [
          [
            'DynamoDB requests per completed transfer, under load (spread): 40 % fewer',
            change(before.scenarios.spread.loaded.figures.dynamodb.requests, spread.loaded.figures.dynamodb.requests),
            met(
              spread.loaded.figures.dynamodb.requests <= 0.6 * before.scenarios.spread.loaded.figures.dynamodb.requests,
            ),
          ],
          [
            'payments/s end to end (spread): 1.6 ×',
            `${fixed(before.scenarios.spread.loaded.endToEndPerSecond)} → ${fixed(spread.loaded.endToEndPerSecond)} (× ${fixed(spread.loaded.endToEndPerSecond / before.scenarios.spread.loaded.endToEndPerSecond, 2)})`,
            met(spread.loaded.endToEndPerSecond >= 1.6 * before.scenarios.spread.loaded.endToEndPerSecond),
          ],
        ]
      : []),
    ['POST → push p50, one at a time (spread): at most 100 ms', `${fixed(p50, 0)} ms`, met(p50 <= 100)],
    ['one merchant / spread, payments/s end to end: at least 0.8', fixed(ratio, 2), met(ratio >= 0.8)],
    [
      'pushes of one event to one socket more than once: none',
      String(now.duplicatePushes),
      met(now.duplicatePushes === 0),
    ],
  ];
  return table(['target', 'figure', ''], rows);
};

export const renderSection = (
  markers: { start: string; end: string },
  now: Results,
  before: Results | undefined,
): string => {
  const cost = costTable(now.scenarios.spread);
  const costBefore = before ? costTable(before.scenarios.spread).total : undefined;
  return [
    markers.start,
    `## The payment pipeline, end to end: ${now.date}, Node.js ${now.node}, ${now.machine}`,
    '',
    'Written by `npm run bench:pipeline` (bench/pipeline.ts). It starts the local stack as `npm start` does (DynamoDB ' +
      'Local on disk, fauxqs, the local Lambda runtime), metered (bench/pipeline/meter.ts: every DynamoDB request ' +
      'passes a counting proxy that asks for `ReturnConsumedCapacity: INDEXES`; SQS, `@connections` and invocations ' +
      'are counted in process), signs up and confirms users, funds 40 wallets and opens a WebSocket per user, then ' +
      'sends USD transfers of 100 with an Idempotency-Key over HTTP and times each from its POST to the push of its ' +
      `final state to the payer's socket. One at a time: ${now.sequential} transfers, each sent once the previous one's push has come and everything it caused is done (no function invoked for half a second). ` +
      `Under load: ${now.clients} clients each post ${now.perClient} transfers back to back, all at once. "Spread": ` +
      'each client pays its own payee wallet; "merchant": every client pays one merchant wallet. Requests, units ' +
      'and invocations are per completed transfer, counted until every function has been idle for a second (the ' +
      "stream's notifier included); the webhook deliverer's idle polling and the sweeper are left out (no endpoint " +
      'is registered, and the sweeper\'s reads are per minute, not per payment). Write units "counted per item" ' +
      'count each item of a transaction at 2, as AWS bills it (DynamoDB Local reports 2 per table). ' +
      `One-minute load average at the start and the end of the run: ${loads(now.load)}.` +
      (before
        ? ` The "before" figures are the baseline's (${before.date}, ${before.machine}, load ${loads(before.load)}).`
        : ''),
    '',
    '### Targets',
    '',
    targets(now, before),
    '',
    '### Figures',
    '',
    figuresTable(now, before),
    '',
    '### DynamoDB requests per transfer, by function (spread, under load)',
    '',
    requestsByFunction(now.scenarios.spread.loaded.figures),
    '',
    '### Lambda invocations per transfer (spread, under load)',
    '',
    lambdaTable(now.scenarios.spread.loaded.figures),
    '',
    `### The request list: one transfer, alone (${now.oneTransfer.dynamodb.requests} DynamoDB requests)`,
    '',
    'Every request one transfer causes from its POST to its pushes, in order, as the meter traced it (ms after the ' +
      "POST was sent); the event sources' idle polls are left out.",
    '',
    listTable(now.requestList),
    ...(before
      ? [
          '',
          `<details><summary>Before: the same list on the baseline (${before.oneTransfer.dynamodb.requests} DynamoDB requests)</summary>`,
          '',
          listTable(before.requestList),
          '',
          '</details>',
        ]
      : []),
    '',
    '### Cost per million transfers on AWS (us-east-1)',
    '',
    'From the counts per transfer under load (spread) and public on-demand prices, free tiers left out. Lambda ' +
      'duration is the local one of a transfer sent alone (x86, Node.js 20; under load the local invocations share ' +
      'one process and overlap), billed at 1024 MB on arm64: an estimate, and an upper bound for the processor and ' +
      'the notifier, whose batches under load are not counted in their favour. ' +
      'Reads of the stream by the Lambda trigger are free; WebSocket connection minutes are per client, not per ' +
      'payment; the logs are estimated (Lambda platform lines, and one INFO line per payment of the processor and ' +
      'the notifier).' +
      (costBefore === undefined ? '' : ` Before: ${dollars(costBefore)} per million transfers.`),
    '',
    cost.text,
    markers.end,
  ].join('\n');
};
