import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue as LambdaAttributeValue, Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { FunctionName } from '../../functions/manifest';
import { DEFAULT_TIMEOUT_SECONDS, failedMessageIds, startInvocation } from './event-source';
import { checkRange, errorReporter, logToStderr, stopSignal } from './poller';

export type StreamEventHandler = (event: DynamoDBStreamEvent, context: Context) => unknown;

export interface StreamSourceOptions {
  client: DynamoDBStreamsClient;
  /** The table whose latest stream to read, found with DescribeTable; or give `streamArn`. */
  tableName?: string;
  streamArn?: string;
  /** For DescribeTable; when omitted, one is made from the streams client's endpoint, region and credentials. */
  dynamodb?: DynamoDBClient;
  handler: StreamEventHandler;
  functionName: FunctionName;
  /** Records per invocation, 1 to 10,000. */
  batchSize: number;
  /** Retries of a failing record (or batch) before it is discarded, 0 to 10,000, or -1 to retry until it succeeds. */
  maxRetries: number;
  /**
   * Split a batch in two when the function fails as a whole (throws, times out, answers nonsense), until the failing
   * record is alone; splits do not count as retries. On by default, as the manifest's stream functions ask.
   */
  bisectBatchOnError?: boolean;
  /** The function's timeout: past it the batch counts as failed. Lambda's default, 3 s, when omitted. */
  timeoutSeconds?: number;
  /** The pause between two GetRecords on a shard that had nothing new. Lambda polls each shard four times a second. */
  pollIntervalMs?: number;
  /** How often to look for new shards (a closing shard triggers a look too). */
  discoverIntervalMs?: number;
  /** A failed invocation, GetRecords or DescribeStream, or a discarded record; one line to stderr by default. */
  onError?: (error: Error) => void;
}

export interface StreamSource {
  streamArn: string;
  /** Stops polling, and resolves once the invocation in flight on each shard, if any, has ended (or timed out). */
  stop(): Promise<void>;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Lambda's JSON of an attribute value: binaries as base64, the rest as DynamoDB's wire format has them. */
const toLambdaValue = (value: AttributeValue): LambdaAttributeValue => {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  return value as LambdaAttributeValue;
};

const toLambdaImage = (image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));

/** A record as the Lambda event source mapping hands it over: the stream's record, its ARN and region added. */
export const toLambdaRecord = (record: StreamRecord, eventSourceARN: string, awsRegion: string): DynamoDBRecord => {
  const data = record.dynamodb ?? {};
  return {
    eventID: record.eventID ?? '',
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion,
    dynamodb: {
      // The SDK parses it into a Date; Lambda passes the epoch seconds on.
      ...(data.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: data.ApproximateCreationDateTime.getTime() / 1000 }
        : {}),
      ...(data.Keys ? { Keys: toLambdaImage(data.Keys) } : {}),
      ...(data.NewImage ? { NewImage: toLambdaImage(data.NewImage) } : {}),
      ...(data.OldImage ? { OldImage: toLambdaImage(data.OldImage) } : {}),
      SequenceNumber: data.SequenceNumber ?? '',
      SizeBytes: data.SizeBytes ?? 0,
      ...(data.StreamViewType ? { StreamViewType: data.StreamViewType } : {}),
    },
    // Deletions by TTL carry who deleted them.
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
    eventSourceARN,
  };
};

const errorName = (error: unknown): string => (error instanceof Error ? error.name : '');

const MAX_BACKOFF_MS = 5_000;
// GetRecords answers at most 1,000 records.
const GET_RECORDS_LIMIT = 1_000;

interface ShardState {
  id: string;
  parentId: string | undefined;
  /** Where reading starts when the worker gets its first iterator. */
  start: ShardIteratorType;
  /** Whether the first iterator has been got; `iterator` is undefined again once the shard has ended. */
  started: boolean;
  iterator: string | undefined;
  /** No more records will come: the shard is closed and read to its end (or gone). */
  ended: boolean;
  /** Read but not yet handled (or to be retried), in sequence order. */
  buffer: StreamRecord[];
  /** The last record read, to resume after an expired iterator. */
  lastRead: string | undefined;
  /** After a trim, records up to this one have been read already. */
  skipThrough: string | undefined;
  /** The record that keeps failing and how often it has. */
  failing: { sequence: string; failures: number } | undefined;
  /** While a failing batch is being split: the most records to invoke with, until `until` has been handled. */
  bisect: { limit: number; until: string } | undefined;
  finished: Promise<void>;
  finish(): void;
}

const sequenceOf = (record: StreamRecord): string => record.dynamodb?.SequenceNumber ?? '';

/**
 * Reads a DynamoDB stream and invokes a handler with its records the way the Lambda event source mapping does, with
 * starting position LATEST (as of the start) and `ReportBatchItemFailures`: each shard in order, one batch at a time,
 * a parent shard before its children; the records from the first failed sequence number onwards come again, up to
 * `maxRetries` times, and are then discarded with an error (where AWS would send them to the on-failure destination).
 * A handler that throws, times out or answers an invalid response fails its whole batch the same way, after the batch
 * has been split down to the failing record when `bisectBatchOnError` is on.
 */
export const startStreamSource = async (options: StreamSourceOptions): Promise<StreamSource> => {
  const {
    client,
    handler,
    functionName,
    batchSize,
    maxRetries,
    bisectBatchOnError = true,
    timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
    pollIntervalMs = 250,
    discoverIntervalMs = 5_000,
    onError = logToStderr,
  } = options;
  checkRange('batchSize', batchSize, 1, 10_000);
  checkRange('maxRetries', maxRetries, -1, 10_000);
  if (!(pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs must be positive, not ${pollIntervalMs}`);

  const streamArn = options.streamArn ?? (await latestStreamArn(options));
  // arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>; DynamoDB Local's region is `ddblocal`, so the
  // records say the client's region instead, as every other event of the local stack does.
  const awsRegion = await client.config.region();
  const tableName = /:table\/([^/]+)\//.exec(streamArn)?.[1] ?? streamArn;
  const prefix = `[local stream] ${functionName} <- ${tableName}:`;
  const report = errorReporter(prefix, onError);
  const { isStopping, pause, stop, stopped: stopSignalled } = stopSignal();

  const shards = new Map<string, ShardState>();
  const workers = new Set<Promise<void>>();

  const describeShards = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return all;
  };

  const iteratorFor = async (shard: ShardState, type: ShardIteratorType, sequence?: string) => {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ShardIteratorType: type,
        ...(sequence ? { SequenceNumber: sequence } : {}),
      }),
    );
    return ShardIterator;
  };

  const newShard = (id: string, parentId: string | undefined, start: ShardIteratorType): ShardState => {
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    return {
      id,
      parentId,
      start,
      started: false,
      iterator: undefined,
      ended: false,
      buffer: [],
      lastRead: undefined,
      skipThrough: undefined,
      failing: undefined,
      bisect: undefined,
      finished,
      finish,
    };
  };

  /** Reads more records into the buffer; false when there was nothing new. */
  const read = async (shard: ShardState): Promise<boolean> => {
    if (!shard.iterator) {
      shard.ended = true;
      return false;
    }
    let answer: GetRecordsCommandOutput;
    try {
      answer = await client.send(
        new GetRecordsCommand({
          ShardIterator: shard.iterator,
          Limit: Math.min(GET_RECORDS_LIMIT, batchSize - shard.buffer.length),
        }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'ExpiredIteratorException') {
        shard.iterator = shard.lastRead
          ? await iteratorFor(shard, 'AFTER_SEQUENCE_NUMBER', shard.lastRead)
          : await iteratorFor(shard, shard.start);
        return true;
      }
      if (name === 'TrimmedDataAccessException') {
        // DynamoDB Local numbers the records of every table from one counter, and calls an iterator whose number is
        // below the first record of its shard trimmed: a shard that was empty when read from LATEST fails so on its
        // first record. Nothing was read from it yet, so its oldest record is new and reading from there loses
        // nothing. Past a record read, this is real trimming (after 24 hours), and what was read is not read again.
        if (shard.lastRead !== undefined) {
          report(`shard ${shard.id} was trimmed past record ${shard.lastRead}; reading on from its oldest record`);
          shard.skipThrough = shard.lastRead;
        }
        shard.iterator = await iteratorFor(shard, 'TRIM_HORIZON');
        return true;
      }
      if (name === 'ResourceNotFoundException') {
        report(`shard ${shard.id} is gone; it is no longer read`, error);
        shard.iterator = undefined;
        shard.ended = true;
        return false;
      }
      throw error;
    }
    const skipThrough = shard.skipThrough === undefined ? undefined : BigInt(shard.skipThrough);
    const records = (answer.Records ?? []).filter(
      (record) => skipThrough === undefined || BigInt(sequenceOf(record) || '0') > skipThrough,
    );
    shard.buffer.push(...records);
    const last = records.at(-1);
    if (last) shard.lastRead = sequenceOf(last);
    shard.iterator = answer.NextShardIterator;
    if (!shard.iterator) shard.ended = true;
    return records.length > 0;
  };

  /** Counts a failure of the record at the head of the buffer; true when it is to be tried again. */
  const failedAgain = (shard: ShardState, what: string, cause: unknown): boolean => {
    const head = shard.buffer[0];
    if (!head) return false;
    const sequence = sequenceOf(head);
    const failures = shard.failing?.sequence === sequence ? shard.failing.failures + 1 : 1;
    shard.failing = { sequence, failures };
    if (maxRetries === -1 || failures <= maxRetries) {
      report(`${what} (record ${sequence} failed ${failures} time(s); retrying)`, cause);
      return true;
    }
    return false;
  };

  const discard = (shard: ShardState, count: number, cause: unknown) => {
    const dropped = shard.buffer.splice(0, count);
    const first = dropped[0];
    const last = dropped.at(-1);
    shard.failing = undefined;
    shard.bisect = undefined;
    if (!first || !last) return;
    const range =
      dropped.length === 1 ? `record ${sequenceOf(first)}` : `records ${sequenceOf(first)} to ${sequenceOf(last)}`;
    // AWS sends these to the mapping's on-failure destination; locally the log is the destination.
    report(
      `${range} of shard ${shard.id} failed ${maxRetries + 1} time(s) and ${dropped.length === 1 ? 'is' : 'are'} ` +
        `discarded (AWS would send ${dropped.length === 1 ? 'it' : 'them'} to the on-failure destination)`,
      cause,
    );
  };

  const handleBatch = async (shard: ShardState) => {
    if (shard.bisect && !shard.buffer.some((record) => sequenceOf(record) === shard.bisect?.until)) {
      shard.bisect = undefined;
    }
    const batch = shard.buffer.slice(0, Math.min(batchSize, shard.bisect?.limit ?? batchSize));
    const records = batch.map((record) => toLambdaRecord(record, streamArn, awsRegion));
    const sequences = batch.map(sequenceOf);
    let failed: Set<string>;
    try {
      const response = await startInvocation(handler, functionName, { Records: records }, timeoutSeconds).outcome;
      failed = failedMessageIds(response, new Set(sequences));
    } catch (error) {
      if (bisectBatchOnError && batch.length > 1) {
        const limit = Math.ceil(batch.length / 2);
        // Both halves of the batch that first failed are tried before batches grow again.
        shard.bisect = { limit, until: shard.bisect?.until ?? sequences.at(-1) ?? '' };
        report(`a batch of ${batch.length} record(s) failed; splitting it, ${limit} record(s) first`, error);
        return;
      }
      if (!failedAgain(shard, `a batch of ${batch.length} record(s) failed`, error)) {
        // Split down to one record, only that one goes; otherwise the whole batch does, as on AWS.
        discard(shard, batch.length, error);
        return;
      }
      await pause(pollIntervalMs);
      return;
    }
    const firstFailed = sequences.findIndex((sequence) => failed.has(sequence));
    if (firstFailed === -1) {
      shard.buffer.splice(0, batch.length);
      shard.failing = undefined;
      return;
    }
    // The checkpoint moves to the first failed record: those before it are done.
    shard.buffer.splice(0, firstFailed);
    const cause = `the function reported record ${sequences[firstFailed] ?? ''} as failed`;
    if (!failedAgain(shard, `${batch.length - firstFailed} record(s) come again`, cause)) {
      // The function named the record that fails: it alone is discarded when the batch is being split, as the
      // manifest's functions are; otherwise the rest of the batch goes with it.
      discard(shard, bisectBatchOnError ? 1 : batch.length - firstFailed, cause);
      return;
    }
    await pause(pollIntervalMs);
  };

  let discovering: Promise<void> | undefined;
  const discover = () =>
    (discovering ??= (async () => {
      try {
        for (const shard of await describeShards()) {
          if (!shard.ShardId || shards.has(shard.ShardId)) continue;
          // A shard that appears after the start holds nothing older than the start: read it from its beginning.
          const state = newShard(shard.ShardId, shard.ParentShardId, 'TRIM_HORIZON');
          shards.set(state.id, state);
          run(state);
        }
      } catch (error) {
        if (!isStopping()) report('DescribeStream failed', error);
      } finally {
        discovering = undefined;
      }
    })());

  const waitForParent = async (shard: ShardState) => {
    const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
    if (!parent) return;
    await Promise.race([parent.finished, stopSignalled]);
  };

  const work = async (shard: ShardState) => {
    await waitForParent(shard);
    let backoffMs = 0;
    while (!isStopping()) {
      let fresh = false;
      if (shard.buffer.length < batchSize && !shard.ended) {
        try {
          if (!shard.started) {
            shard.iterator = await iteratorFor(shard, shard.start);
            shard.started = true;
          }
          fresh = await read(shard);
          backoffMs = 0;
        } catch (error) {
          if (isStopping()) break;
          backoffMs = Math.min(backoffMs * 2 || 100, MAX_BACKOFF_MS);
          report(`reading shard ${shard.id} failed, retrying in ${backoffMs} ms`, error);
          // What was read already is handled all the same.
          if (shard.buffer.length === 0) {
            await pause(backoffMs);
            continue;
          }
        }
      }
      if (shard.buffer.length === 0) {
        if (shard.ended) break;
        if (!fresh) await pause(pollIntervalMs);
        continue;
      }
      await handleBatch(shard);
    }
    if (shard.ended && shard.buffer.length === 0) {
      shard.finish();
      // Its children may be there already.
      if (!isStopping()) void discover();
    }
  };

  const run = (shard: ShardState) => {
    const worker = work(shard).catch((error: unknown) => {
      report(`the reader of shard ${shard.id} stopped unexpectedly`, error);
    });
    workers.add(worker);
  };

  // LATEST on every open shard, as of now; closed shards hold only what came before.
  const initial = await describeShards();
  await Promise.all(
    initial.map(async (shard) => {
      if (!shard.ShardId) return;
      const state = newShard(shard.ShardId, shard.ParentShardId, 'LATEST');
      shards.set(state.id, state);
      if (shard.SequenceNumberRange?.EndingSequenceNumber) {
        state.ended = true;
        state.finish();
        return;
      }
      state.iterator = await iteratorFor(state, 'LATEST');
      state.started = true;
    }),
  );
  for (const state of shards.values()) if (!state.ended) run(state);

  const discovery = setInterval(() => void discover(), discoverIntervalMs);

  let stopped: Promise<void> | undefined;
  return {
    streamArn,
    stop: () =>
      (stopped ??= (async () => {
        stop();
        clearInterval(discovery);
        await discovering;
        await Promise.all(workers);
      })()),
  };
};

/** The table's current stream, with a DynamoDB client of the caller's or one like the streams client. */
const latestStreamArn = async (options: StreamSourceOptions): Promise<string> => {
  const { tableName, client } = options;
  if (!tableName) throw new Error('Give the stream source a tableName or a streamArn');
  const dynamodb =
    options.dynamodb ??
    new DynamoDBClient({
      region: client.config.region,
      credentials: client.config.credentials,
      ...(client.config.endpoint ? { endpoint: client.config.endpoint } : {}),
    });
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.LatestStreamArn || !Table.StreamSpecification?.StreamEnabled) {
      throw new Error(`Table ${tableName} has no stream enabled`);
    }
    return Table.LatestStreamArn;
  } finally {
    if (!options.dynamodb) dynamodb.destroy();
  }
};
