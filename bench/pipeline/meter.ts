import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  Agent,
  type ClientRequest,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { type TableName, type TableNames, tables } from '../../shared/adapters/tables';
import { closeServer, isRecord, listen, once, readBody, reply } from '../../infra/local/helpers';
import { currentFunction, INVOCATION_CHANNEL, type InvocationRecord } from '../../infra/local/lambda-runtime';
import { currentTrigger } from '../../infra/local/poller';
import type { DynamoDbProxy } from '../../infra/local/stack';

/**
 * The pipeline benchmark's meter: every DynamoDB, DynamoDB Streams, SQS and `@connections` request the local stack
 * makes, and every Lambda invocation, counted by the function that made it, with the capacity units DynamoDB reports
 * (`ReturnConsumedCapacity: INDEXES`, asked of every request that takes it). DynamoDB is metered by a proxy the stack
 * puts in front of DynamoDB Local, which reads each request and answer; SQS and `@connections` by the client requests
 * Node.js publishes (`http.client.request.start`); invocations by the runtime's channel. `GET /local/meter` answers
 * what was counted since the start, and the requests themselves, in order, after `?since=<seq>`.
 */

export type MeteredService = 'dynamodb' | 'dynamodb-streams' | 'sqs' | 'connections' | 'lambda';

/** One request, as the trace keeps it; an invocation starting is one too (`lambda`, `Invoke`). */
export interface MeteredRequest {
  seq: number;
  /** Epoch milliseconds, when the request was made. */
  at: number;
  /** The function whose invocation made it, or the trigger that polls for it (`payments -> processor`). */
  functionName?: string;
  /** Made by a trigger's own polling, not by a function. */
  trigger?: true;
  service: MeteredService;
  operation: string;
  /** The items it names, `<table>:<key>` (`<table>/<index>:<key>` for a query), or the queue or connection. */
  items: string[];
  readUnits: number;
  writeUnits: number;
  /** Refused (a failed condition, a cancelled transaction), or failed. */
  failed: boolean;
}

/** The requests of one kind: one function, one operation, on the same tables. */
export interface MeterRow {
  functionName?: string;
  trigger?: true;
  service: MeteredService;
  operation: string;
  tables: string[];
  requests: number;
  failed: number;
  /** As DynamoDB Local reports them, indexes included. */
  readUnits: number;
  writeUnits: number;
  /**
   * Write units with every item of a transaction counted at 2, DynamoDB's price for an item of up to 1 KB in a
   * transaction: DynamoDB Local answers 2 per table however many items a transaction writes to it.
   */
  writeUnitsPerItem: number;
}

export interface MeterReading {
  /** The sequence number of the last request counted. */
  seq: number;
  rows: MeterRow[];
  invocations: { functionName: string; count: number; ms: number; failed: number }[];
  /** Invocations started and not yet ended. */
  running: number;
  /** The requests after `since`, oldest first, as far back as the trace keeps them. */
  trace: MeteredRequest[];
}

/** A proxy in front of DynamoDB Local whose route, `GET /local/meter`, answers its reading. */
export interface Meter extends DynamoDbProxy {
  reading(since?: number): MeterReading;
}

// Enough for the requests of a few hundred payments; a reading asks for those after a sequence number it knows.
const TRACE_LIMIT = 20_000;

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const TAKES_CAPACITY = new Set([
  ...READS,
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

type Json = Record<string, unknown>;
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const record = (value: unknown): Json => (isRecord(value) ? value : {});

/** An attribute value of DynamoDB's wire format, as text: `{ S: "acc_1" }` is `acc_1`. */
const scalar = (value: unknown): string => {
  const typed = record(value);
  const plain = typed.S ?? typed.N;
  return typeof plain === 'string' ? plain : '?';
};

/** The items a request names, as `<table>:<key>`; a query's table, index and the values of its key condition. */
const itemsOf = (operation: string, body: Json, logical: (table: string) => string): string[] => {
  const keyOf = (table: string, item: Json): string => {
    const definition = tables[logical(table) as TableName] as (typeof tables)[TableName] | undefined;
    const names = definition
      ? [definition.partitionKey.name, ...('sortKey' in definition ? [definition.sortKey.name] : [])]
      : Object.keys(item);
    return `${logical(table)}:${names.map((name) => scalar(item[name])).join('#')}`;
  };
  const table = typeof body.TableName === 'string' ? body.TableName : '';
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [keyOf(table, record(body.Key))];
    case 'PutItem':
      return [keyOf(table, record(body.Item))];
    case 'Query':
    case 'Scan': {
      const index = typeof body.IndexName === 'string' ? `/${body.IndexName}` : '';
      const values = Object.values(record(body.ExpressionAttributeValues)).map(scalar);
      return [`${logical(table)}${index}:${values.join(',')}`];
    }
    case 'BatchGetItem':
      return Object.entries(record(body.RequestItems)).flatMap(([name, request]) =>
        records(record(request).Keys).map((key) => keyOf(name, key)),
      );
    case 'BatchWriteItem':
      return Object.entries(record(body.RequestItems)).flatMap(([name, writes]) =>
        records(writes).map((write) =>
          keyOf(name, record(record(write.PutRequest).Item ?? record(write.DeleteRequest).Key)),
        ),
      );
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return records(body.TransactItems).map((item) => {
        const [kind = '', action = {}] = Object.entries(item)[0] ?? [];
        const target = record(action);
        const name = typeof target.TableName === 'string' ? target.TableName : '';
        return `${kind} ${keyOf(name, record(target.Key ?? target.Item))}`;
      });
    default:
      return [];
  }
};

const tablesOf = (items: readonly string[]): string[] =>
  [...new Set(items.map((item) => (item.split(' ').at(-1) ?? '').split(/[:/]/)[0] ?? ''))].filter(Boolean).sort();

/** Capacity units an answer reports: its `ConsumedCapacity`, one entry or one per table; and the indexes' share. */
const consumed = (answer: Json): { units: number; indexUnits: number } => {
  const entries = Array.isArray(answer.ConsumedCapacity)
    ? records(answer.ConsumedCapacity)
    : [record(answer.ConsumedCapacity)];
  let units = 0;
  let indexUnits = 0;
  for (const entry of entries) {
    units += typeof entry.CapacityUnits === 'number' ? entry.CapacityUnits : 0;
    for (const index of Object.values(record(entry.GlobalSecondaryIndexes))) {
      const value = record(index).CapacityUnits;
      indexUnits += typeof value === 'number' ? value : 0;
    }
  }
  return { units, indexUnits };
};

/** Headers without `transfer-encoding`: the proxy reads each body whole and sends it with its length. */
const unchunked = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'transfer-encoding'));

type Caller = Pick<MeteredRequest, 'functionName' | 'trigger'>;

/** Who makes a request: the function invoked, or else the trigger polling; nobody the stack's start-up. */
const caller = (): Caller => {
  const functionName = currentFunction();
  if (functionName !== undefined) return { functionName };
  const trigger = currentTrigger();
  return trigger === undefined ? {} : { functionName: trigger, trigger: true };
};

/** A request the stack made over HTTP, as the meter sorts it: SQS by its target, `@connections` by its path. */
const classify = (request: ClientRequest): { service: MeteredService; operation: string; item: string } | undefined => {
  const target = request.getHeader('x-amz-target');
  if (typeof target === 'string' && target.startsWith('AmazonSQS.')) {
    return { service: 'sqs', operation: target.slice('AmazonSQS.'.length), item: '' };
  }
  const path = request.path;
  if (path.includes('/@connections/')) {
    const connection = decodeURIComponent(path.split('/@connections/')[1] ?? '');
    const operation = { POST: 'PostToConnection', DELETE: 'DeleteConnection', GET: 'GetConnection' }[request.method];
    return { service: 'connections', operation: operation ?? request.method, item: connection };
  }
  return undefined;
};

/** Starts the meter: a proxy in front of DynamoDB Local at `target`, and the counting of everything else. */
export const startMeter = async (options: { target: string; tableNames: TableNames }): Promise<Meter> => {
  const target = new URL(options.target);
  const byLocalName = new Map(Object.entries(options.tableNames).map(([logical, local]) => [local, logical]));
  const logical = (table: string) => byLocalName.get(table) ?? table;

  const rows = new Map<string, MeterRow>();
  const invocations = new Map<string, { functionName: string; count: number; ms: number; failed: number }>();
  const trace: MeteredRequest[] = [];
  let seq = 0;
  let running = 0;

  const keep = (entry: Omit<MeteredRequest, 'seq'>) => {
    trace.push({ seq: ++seq, ...entry });
    if (trace.length > TRACE_LIMIT) trace.splice(0, trace.length - TRACE_LIMIT);
  };

  const count = (entry: Omit<MeteredRequest, 'seq'>, writeUnitsPerItem: number) => {
    keep(entry);
    const tableList = entry.service.startsWith('dynamodb') ? tablesOf(entry.items) : entry.items.slice(0, 0);
    const key = [entry.functionName ?? '', entry.service, entry.operation, tableList.join(',')].join('|');
    const row = rows.get(key) ?? {
      ...(entry.functionName === undefined ? {} : { functionName: entry.functionName }),
      ...(entry.trigger ? { trigger: true as const } : {}),
      service: entry.service,
      operation: entry.operation,
      tables: tableList,
      requests: 0,
      failed: 0,
      readUnits: 0,
      writeUnits: 0,
      writeUnitsPerItem: 0,
    };
    row.requests += 1;
    row.failed += entry.failed ? 1 : 0;
    row.readUnits += entry.readUnits;
    row.writeUnits += entry.writeUnits;
    row.writeUnitsPerItem += writeUnitsPerItem;
    rows.set(key, row);
  };

  // Which function made the request each client socket carries now: a request to the proxy is published when its
  // headers go out, in the caller's context, before the proxy reads it.
  let proxyAuthority = '';
  const callers = new Map<number, Caller>();
  const remember = (port: number | undefined, who: Caller) => {
    if (port !== undefined) callers.set(port, who);
  };
  const onRequest = (message: unknown) => {
    const request = record(message).request as ClientRequest | undefined;
    if (!request) return;
    const who = caller();
    if (request.getHeader('host') === proxyAuthority) {
      const { socket } = request;
      // A new socket has no port before it connects, and sends nothing before either.
      if (socket?.localPort !== undefined) remember(socket.localPort, who);
      else
        socket?.once('connect', () => {
          remember(socket.localPort, who);
        });
      return;
    }
    const sorted = classify(request);
    if (!sorted) return;
    const { service, operation, item } = sorted;
    count(
      {
        at: Date.now(),
        ...who,
        service,
        operation,
        items: item === '' ? [] : [item],
        readUnits: 0,
        writeUnits: 0,
        failed: false,
      },
      0,
    );
  };
  const onInvocation = (message: unknown) => {
    const invocation = message as InvocationRecord;
    const { functionName } = invocation;
    if (invocation.phase === 'start') {
      running += 1;
      keep({
        at: Date.now(),
        functionName,
        service: 'lambda',
        operation: 'Invoke',
        items: [],
        readUnits: 0,
        writeUnits: 0,
        failed: false,
      });
      return;
    }
    running -= 1;
    const total = invocations.get(functionName) ?? { functionName, count: 0, ms: 0, failed: 0 };
    total.count += 1;
    total.ms += invocation.ms;
    total.failed += invocation.failed ? 1 : 0;
    invocations.set(functionName, total);
  };
  subscribe('http.client.request.start', onRequest);
  subscribe(INVOCATION_CHANNEL, onInvocation);

  const agent = new Agent({ keepAlive: true });
  const forward = (incoming: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Json; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...unchunked(incoming.headers), host: target.host, 'content-length': String(body.length) };
      const outgoing = httpRequest(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers, agent },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            resolve({
              status: answer.statusCode ?? 502,
              headers: unchunked(answer.headers),
              body: Buffer.concat(chunks),
            });
          });
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const proxy = createServer((incoming, response) => {
    const at = Date.now();
    const who = callers.get(incoming.socket.remotePort ?? -1) ?? {};
    void (async () => {
      const sent = await readBody(incoming, Number.POSITIVE_INFINITY);
      const targetHeader = String(incoming.headers['x-amz-target'] ?? '');
      const [api = '', operation = ''] = targetHeader.split('.');
      const service: MeteredService = api.startsWith('DynamoDBStreams') ? 'dynamodb-streams' : 'dynamodb';
      let parsed: Json = {};
      try {
        parsed = record(JSON.parse(sent.toString('utf8')));
      } catch {
        // Not JSON: forwarded as it came, for DynamoDB Local to refuse.
      }
      const metered = service === 'dynamodb' && TAKES_CAPACITY.has(operation);
      const body =
        metered && parsed.ReturnConsumedCapacity === undefined
          ? Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'INDEXES' }))
          : sent;
      const answer = await forward(incoming, body);
      response.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      response.end(answer.body);
      let answered: Json = {};
      try {
        answered = record(JSON.parse(answer.body.toString('utf8')));
      } catch {
        // An answer that is not JSON reports no capacity.
      }
      const { units, indexUnits } = metered ? consumed(answered) : { units: 0, indexUnits: 0 };
      const items = itemsOf(operation, parsed, logical);
      const reads = READS.has(operation);
      const transactionItems = operation === 'TransactWriteItems' ? records(parsed.TransactItems).length : 0;
      count(
        {
          at,
          ...who,
          service,
          operation,
          items,
          readUnits: reads ? units : 0,
          writeUnits: reads ? 0 : units,
          failed: answer.status >= 400,
        },
        reads ? 0 : transactionItems > 0 && answer.status < 400 ? 2 * transactionItems + indexUnits : units,
      );
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  const { authority } = await listen(proxy, 0, '127.0.0.1');
  proxyAuthority = authority;

  const reading = (since = 0): MeterReading => ({
    seq,
    rows: [...rows.values()].map((row) => ({ ...row, tables: [...row.tables] })),
    invocations: [...invocations.values()].map((total) => ({ ...total })),
    running,
    trace: trace.filter((entry) => entry.seq > since),
  });

  return {
    endpoint: `http://${authority}`,
    summary: `metered through http://${authority}; GET /local/meter`,
    reading,
    answer: (method, rawPath, rawQueryString) => {
      if (method !== 'GET' || rawPath !== '/local/meter') return undefined;
      const since = Number(new URLSearchParams(rawQueryString).get('since') ?? '0');
      const body = JSON.stringify(reading(Number.isFinite(since) ? since : 0));
      return Promise.resolve(reply(200, 'application/json', body, { 'cache-control': 'no-store' }));
    },
    stop: once(async () => {
      unsubscribe('http.client.request.start', onRequest);
      unsubscribe(INVOCATION_CHANNEL, onInvocation);
      await closeServer(proxy, 1_000);
      agent.destroy();
    }),
  };
};
