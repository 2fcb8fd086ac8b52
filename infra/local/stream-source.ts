import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record as StreamRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { once } from './helpers';
import { invokeBatch, poller, type TriggerOptions } from './poller';

/** What `onError` hears of: a failed invocation, GetRecords or DescribeStream, a discarded record. */
export interface StreamSourceOptions extends TriggerOptions<DynamoDBStreamEvent> {
  client: DynamoDBStreamsClient;
  /** The table whose latest stream to read. */
  tableName: string;
  /** Records per invocation, 1 to 10,000. */
  batchSize: number;
  /** Retries of a failing record (or batch) before it is discarded, 0 to 10,000, or -1 to retry until it succeeds. */
  maxRetries: number;
  /** The pause between two GetRecords on a shard that had nothing new. Lambda polls each shard four times a second. */
  pollIntervalMs?: number;
}

export interface StreamSource {
  streamArn: string;
  /** Stops polling, and resolves once the invocation in flight on each shard, if any, has ended (or timed out). */
  stop(): Promise<void>;
}

/** A record as the Lambda event source mapping hands it over: the stream's record, its ARN and region added. */
const toLambdaRecord = (record: StreamRecord, eventSourceARN: string, awsRegion: string): DynamoDBRecord => {
  const { ApproximateCreationDateTime: created, ...data } = record.dynamodb ?? {};
  return {
    eventID: record.eventID ?? '',
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion,
    // Images as DynamoDB's wire format has them: Lambda would give binaries in base64, but the tables hold none.
    dynamodb: {
      ...(data as DynamoDBRecord['dynamodb']),
      // The SDK parses it into a Date; Lambda passes the epoch seconds on.
      ...(created ? { ApproximateCreationDateTime: created.getTime() / 1000 } : {}),
    },
    eventSourceARN,
  };
};

// GetRecords answers at most 1,000 records.
const GET_RECORDS_LIMIT = 1_000;
// How often to look for new shards; a shard that ends triggers a look too.
const DISCOVER_INTERVAL_MS = 5_000;

interface ShardState {
  id: string;
  parentId?: string;
  /** Where reading starts when the worker gets its first iterator. */
  start: ShardIteratorType;
  /** Undefined before the first read and once the shard has ended. */
  iterator?: string;
  /** No more records will come: the shard is closed and read to its end (or gone). */
  ended: boolean;
  /** Read but not yet handled (or to be retried), in sequence order. */
  buffer: StreamRecord[];
  /** The last record read, to resume after an expired iterator. */
  lastRead?: string;
  /** After a trim, records up to this one have been read already. */
  skipThrough?: bigint;
  /** The record that keeps failing and how often it has. */
  failing?: { sequence: string; failures: number };
  /** While a failing batch is being split: the most records to invoke with, until `until` has been handled. */
  bisect?: { limit: number; until: string };
}

const sequenceOf = (record: StreamRecord): string => record.dynamodb?.SequenceNumber ?? '';

const newShard = (shard: Shard, start: ShardIteratorType): ShardState => ({
  id: shard.ShardId ?? '',
  parentId: shard.ParentShardId,
  start,
  ended: false,
  buffer: [],
});

/** Ended, and every record read handled: its children may be read. */
const isFinished = (shard: ShardState): boolean => shard.ended && shard.buffer.length === 0;

/**
 * Reads a DynamoDB stream as the Lambda event source mapping does, with starting position LATEST (as of the start),
 * `ReportBatchItemFailures` and `BisectBatchOnFunctionError`, as the manifest's stream functions ask: each shard in
 * order, one batch at a time, a parent shard before its children. A handler that throws, times out or answers an
 * invalid response fails its whole batch, which is split in two until the failing record is alone.
 */
export const startStreamSource = async (options: StreamSourceOptions): Promise<StreamSource> => {
  const { client, handler, functionName, batchSize, maxRetries, timeoutSeconds, pollIntervalMs = 250 } = options;

  const streamArn = await latestStreamArn(client, options.tableName);
  // DynamoDB Local's region is `ddblocal`: records carry the client's region, as the local stack's other events do.
  const awsRegion = await client.config.region();
  const signal = poller(
    `[local stream] ${functionName} <- ${options.tableName}:`,
    options.onError,
    `${options.tableName} stream -> ${functionName}`,
  );
  const { report, isStopping, pause } = signal;

  const shards = new Map<string, ShardState>();
  const workers = new Set<Promise<void>>();

  // A page holds a hundred shards, more than a local table ever has.
  const describeShards = async (): Promise<Shard[]> =>
    (await client.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];

  const iteratorFor = async (shard: ShardState, ShardIteratorType: ShardIteratorType, SequenceNumber?: string) => {
    const request = { StreamArn: streamArn, ShardId: shard.id, ShardIteratorType, SequenceNumber };
    return (await client.send(new GetShardIteratorCommand(request))).ShardIterator;
  };

  /** Reads more records into the buffer; false when there was nothing new. */
  const read = async (shard: ShardState): Promise<boolean> => {
    shard.iterator ??= await iteratorFor(shard, shard.start);
    if (!shard.iterator) {
      shard.ended = true;
      return false;
    }
    let answer: GetRecordsCommandOutput;
    try {
      const limit = Math.min(GET_RECORDS_LIMIT, batchSize - shard.buffer.length);
      answer = await client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }));
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'ExpiredIteratorException') {
        const resume = shard.lastRead ? 'AFTER_SEQUENCE_NUMBER' : shard.start;
        shard.iterator = await iteratorFor(shard, resume, shard.lastRead);
        return true;
      }
      if (name === 'TrimmedDataAccessException') {
        // DynamoDB Local numbers the records of every table from one counter, and calls an iterator whose number is
        // below the first record of its shard trimmed: a shard that was empty when read from LATEST fails so on its
        // first record. Nothing was read from it yet, so its oldest record is new and reading from there loses
        // nothing. Past a record read, this is real trimming (after 24 hours), and what was read is not read again.
        if (shard.lastRead !== undefined) {
          report(`shard ${shard.id} was trimmed past record ${shard.lastRead}; reading on from its oldest record`);
          shard.skipThrough = BigInt(shard.lastRead);
        }
        shard.iterator = await iteratorFor(shard, 'TRIM_HORIZON');
        return true;
      }
      if (name !== 'ResourceNotFoundException') throw error;
      report(`shard ${shard.id} is gone; it is no longer read`, error);
      answer = {} as GetRecordsCommandOutput;
    }
    const { skipThrough } = shard;
    const records = (answer.Records ?? []).filter(
      (record) => skipThrough === undefined || BigInt(sequenceOf(record) || '0') > skipThrough,
    );
    shard.buffer.push(...records);
    shard.lastRead = records.length > 0 ? sequenceOf(records.at(-1) ?? {}) : shard.lastRead;
    shard.iterator = answer.NextShardIterator;
    shard.ended = !shard.iterator;
    return records.length > 0;
  };

  /**
   * Counts a failure of the record at the head of the buffer: it comes again after a pause or, past `maxRetries`, is
   * discarded with a report (where AWS would send it to the mapping's on-failure destination).
   */
  const failedAgain = async (shard: ShardState, what: string, cause: unknown) => {
    const sequence = sequenceOf(shard.buffer[0] ?? {});
    const failures = shard.failing?.sequence === sequence ? shard.failing.failures + 1 : 1;
    shard.failing = { sequence, failures };
    if (maxRetries === -1 || failures <= maxRetries) {
      report(`${what} (record ${sequence} failed ${failures} time(s); retrying)`, cause);
      await pause(pollIntervalMs);
      return;
    }
    shard.buffer.shift();
    shard.failing = shard.bisect = undefined;
    const discarded = `record ${sequence} of shard ${shard.id} failed ${failures} time(s) and is discarded`;
    report(`${discarded} (AWS would send it to the on-failure destination)`, cause);
  };

  const handleBatch = async (shard: ShardState) => {
    if (!shard.buffer.some((record) => sequenceOf(record) === shard.bisect?.until)) shard.bisect = undefined;
    const batch = shard.buffer.slice(0, Math.min(batchSize, shard.bisect?.limit ?? batchSize));
    const records = batch.map((record) => toLambdaRecord(record, streamArn, awsRegion));
    const sequences = batch.map(sequenceOf);
    let failed: Set<string>;
    try {
      failed = await invokeBatch(handler, functionName, records, sequences, timeoutSeconds);
    } catch (error) {
      if (batch.length > 1) {
        const limit = Math.ceil(batch.length / 2);
        // Both halves of the batch that first failed are tried before batches grow again.
        shard.bisect = { limit, until: shard.bisect?.until ?? sequences.at(-1) ?? '' };
        report(`a batch of ${batch.length} record(s) failed; splitting it, ${limit} record(s) first`, error);
      } else await failedAgain(shard, 'a batch of 1 record failed', error);
      return;
    }
    const firstFailed = sequences.findIndex((sequence) => failed.has(sequence));
    // The checkpoint moves to the first failed record: those before it are done.
    shard.buffer.splice(0, firstFailed === -1 ? batch.length : firstFailed);
    if (firstFailed === -1) {
      shard.failing = undefined;
      return;
    }
    const cause = `the function reported record ${sequences[firstFailed] ?? ''} as failed`;
    await failedAgain(shard, `${batch.length - firstFailed} record(s) come again`, cause);
  };

  let discovering: Promise<void> | undefined;
  const discover = () =>
    (discovering ??= (async () => {
      try {
        // A shard that appears after the start holds nothing older than the start: read it from its beginning.
        for (const shard of await describeShards())
          if (shard.ShardId && !shards.has(shard.ShardId)) run(newShard(shard, 'TRIM_HORIZON'));
      } catch (error) {
        if (!isStopping()) report('DescribeStream failed', error);
      } finally {
        discovering = undefined;
      }
    })());

  const work = async (shard: ShardState) => {
    const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
    while (parent && !isFinished(parent) && !isStopping()) await pause(pollIntervalMs);
    while (!isStopping()) {
      let fresh = false;
      if (shard.buffer.length < batchSize && !shard.ended) {
        try {
          fresh = await read(shard);
          signal.recovered();
        } catch (error) {
          if (isStopping()) break;
          const backoffMs = signal.retryIn(`reading shard ${shard.id}`, error);
          // What was read already is handled all the same.
          if (shard.buffer.length === 0) {
            await pause(backoffMs);
            continue;
          }
        }
      }
      if (shard.buffer.length > 0) await handleBatch(shard);
      else if (shard.ended) break;
      else if (!fresh) await pause(pollIntervalMs);
    }
    // Its children may be there already.
    if (isFinished(shard) && !isStopping()) void discover();
  };

  const run = (shard: ShardState) => {
    shards.set(shard.id, shard);
    const reading = signal.run(() => work(shard));
    workers.add(
      reading.catch((error: unknown) => {
        report(`the reader of shard ${shard.id} stopped unexpectedly`, error);
      }),
    );
  };

  // LATEST on every open shard, as of now; closed shards hold only what came before.
  for (const shard of await describeShards()) {
    const state = newShard(shard, 'LATEST');
    shards.set(state.id, state);
    state.ended = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    if (!state.ended) state.iterator = await iteratorFor(state, 'LATEST');
  }
  for (const state of [...shards.values()]) if (!state.ended) run(state);

  const discovery = setInterval(() => void discover(), DISCOVER_INTERVAL_MS);
  return {
    streamArn,
    stop: once(async () => {
      signal.stop();
      clearInterval(discovery);
      await discovering;
      await Promise.all(workers);
    }),
  };
};

/** The table's current stream: the one with the latest label, a stream disabled since being readable for a day. */
const latestStreamArn = async (client: DynamoDBStreamsClient, tableName: string): Promise<string> => {
  const { Streams = [] } = await client.send(new ListStreamsCommand({ TableName: tableName }));
  const [latest] = Streams.sort((a, b) => (b.StreamLabel ?? '').localeCompare(a.StreamLabel ?? ''));
  if (!latest?.StreamArn) throw new Error(`Table ${tableName} has no stream`);
  return latest.StreamArn;
};
