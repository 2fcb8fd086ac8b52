import type { MeteredRequest, MeterReading, MeterRow } from './meter';
import type { Call } from './clients';
import { purposeOf } from './purposes';

/** What the local stack's meter counted between two readings, per completed transfer. */

export const readMeter = async (call: Call, since = 0): Promise<MeterReading> => {
  const reply = await call('GET', `/local/meter?since=${since}`);
  if (reply.status !== 200) throw new Error(`GET /local/meter answered ${reply.status}: is the meter plugged in?`);
  return reply.body as MeterReading;
};

// The webhook deliverer's pollers wait on a queue nothing is sent to here (no endpoint is registered): their receives
// are a constant cost of the stack, not one of payments.
const IDLE_TRIGGERS = new Set(['webhook-deliveries -> webhook-deliverer']);

const rowKey = (row: MeterRow) => [row.functionName ?? '', row.service, row.operation, row.tables.join(',')].join('|');

/** The rows of `after` less those of `before`, leaving out idle triggers and what moved not at all. */
export const rowsBetween = (before: MeterReading, after: MeterReading): MeterRow[] => {
  const earlier = new Map(before.rows.map((row) => [rowKey(row), row]));
  return after.rows
    .filter((row) => !IDLE_TRIGGERS.has(row.functionName ?? ''))
    .map((row) => {
      const old = earlier.get(rowKey(row));
      return {
        ...row,
        requests: row.requests - (old?.requests ?? 0),
        failed: row.failed - (old?.failed ?? 0),
        readUnits: row.readUnits - (old?.readUnits ?? 0),
        writeUnits: row.writeUnits - (old?.writeUnits ?? 0),
        writeUnitsPerItem: row.writeUnitsPerItem - (old?.writeUnitsPerItem ?? 0),
      };
    })
    .filter((row) => row.requests > 0);
};

export interface FunctionLoad {
  functionName: string;
  invocations: number;
  ms: number;
}

/** Per completed transfer: everything the pipeline asked of DynamoDB, SQS, `@connections` and Lambda. */
export interface PerTransfer {
  transfers: number;
  dynamodb: { requests: number; failed: number; readUnits: number; writeUnits: number; writeUnitsPerItem: number };
  /** GetRecords and the other stream calls of the notifier's event source (free on AWS for a Lambda trigger). */
  streamRequests: number;
  sqs: Record<string, number>;
  pushes: number;
  lambda: FunctionLoad[];
  /** DynamoDB's rows, per transfer: who asks what of which tables. */
  rows: MeterRow[];
}

const per = (value: number, transfers: number) => value / transfers;

export const perTransfer = (before: MeterReading, after: MeterReading, transfers: number): PerTransfer => {
  const rows = rowsBetween(before, after);
  const sum = (list: MeterRow[], pick: (row: MeterRow) => number) =>
    per(
      list.reduce((total, row) => total + pick(row), 0),
      transfers,
    );
  const dynamo = rows.filter((row) => row.service === 'dynamodb');
  const sqs: Record<string, number> = {};
  for (const row of rows.filter((r) => r.service === 'sqs'))
    sqs[row.operation] = (sqs[row.operation] ?? 0) + per(row.requests, transfers);
  const earlier = new Map(before.invocations.map((total) => [total.functionName, total]));
  const lambda = after.invocations
    .map((total) => ({
      functionName: total.functionName,
      invocations: per(total.count - (earlier.get(total.functionName)?.count ?? 0), transfers),
      ms: per(total.ms - (earlier.get(total.functionName)?.ms ?? 0), transfers),
    }))
    .filter((load) => load.invocations > 0);
  return {
    transfers,
    dynamodb: {
      requests: sum(dynamo, (row) => row.requests),
      failed: sum(dynamo, (row) => row.failed),
      readUnits: sum(dynamo, (row) => row.readUnits),
      writeUnits: sum(dynamo, (row) => row.writeUnits),
      writeUnitsPerItem: sum(dynamo, (row) => row.writeUnitsPerItem),
    },
    streamRequests: sum(
      rows.filter((row) => row.service === 'dynamodb-streams'),
      (row) => row.requests,
    ),
    sqs,
    pushes: sum(
      rows.filter((row) => row.service === 'connections' && row.operation === 'PostToConnection'),
      (row) => row.requests,
    ),
    lambda,
    rows: dynamo.map((row) => ({
      ...row,
      requests: per(row.requests, transfers),
      failed: per(row.failed, transfers),
      readUnits: per(row.readUnits, transfers),
      writeUnits: per(row.writeUnits, transfers),
      writeUnitsPerItem: per(row.writeUnitsPerItem, transfers),
    })),
  };
};

/** One line of the request list: a request one transfer caused, or an invocation. */
export interface ListedRequest {
  /** Milliseconds after the POST was sent. */
  ms: number;
  by: string;
  request: string;
  items: string;
  /** What the request is for, where the benchmark knows it. */
  purpose: string;
}

const POLLS = new Set(['ReceiveMessage', 'GetRecords']);

const SERVICE_NAMES = {
  dynamodb: 'DynamoDB',
  'dynamodb-streams': 'DynamoDB Streams',
  sqs: 'SQS',
  connections: '@connections',
  lambda: 'Lambda',
} as const;

/** The function a trigger (`payments -> processor`) invokes. */
const invokedBy = (trigger: string): string => trigger.split(' -> ')[1] ?? '';

/**
 * The requests one transfer caused, in order: every request of an invocation, every invocation, the triggers' own
 * requests that are not idle polling (a poll counts when its function is invoked before that trigger polls again),
 * each item named by what it is to this transfer (`labels`).
 */
export const requestList = (trace: readonly MeteredRequest[], postedAt: number, labels: Map<string, string>) => {
  const name = (item: string) => {
    let named = item;
    for (const [id, label] of labels) named = named.replaceAll(id, label);
    // Ids nobody labelled, shortened: `evt_01m8gkj1e2nkkaw9gfneb7819q` is `evt_…819q`.
    return named.replace(/\b([a-z]+_)[0-9a-z]{22}([0-9a-z]{4})\b/g, '$1…$2');
  };
  const idle = (entry: MeteredRequest, index: number) => {
    if (!entry.trigger || !POLLS.has(entry.operation)) return false;
    const target = invokedBy(entry.functionName ?? '');
    for (const later of trace.slice(index + 1)) {
      if (later.service === 'lambda' && later.functionName === target) return false;
      if (later.trigger && later.functionName === entry.functionName && later.operation === entry.operation)
        return true;
    }
    return true;
  };
  // In the order they were sent (the trace has each DynamoDB request once it was answered).
  return trace
    .filter((entry, index) => !IDLE_TRIGGERS.has(entry.functionName ?? '') && !idle(entry, index))
    .sort((a, b) => a.at - b.at)
    .map(
      (entry): ListedRequest => ({
        ms: entry.at - postedAt,
        by: entry.trigger ? `event source ${entry.functionName ?? ''}` : (entry.functionName ?? 'the stack'),
        request:
          entry.service === 'lambda'
            ? 'Lambda invocation'
            : `${SERVICE_NAMES[entry.service]} ${entry.operation}${entry.failed ? ' (refused)' : ''}`,
        items: entry.items.map(name).join(', '),
        purpose: purposeOf(entry),
      }),
    );
};

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
};
