import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

/** Merges streams that are each in key order (ascending, or descending) into one, each key once. */
export async function* mergeInOrder<T>(
  streams: AsyncGenerator<T>[],
  keyOf: (item: T) => string,
  descending: boolean,
): AsyncGenerator<T> {
  const cursors = await Promise.all(streams.map(async (stream) => ({ stream, head: await stream.next() })));
  const before = (a: T, b: T) => (descending ? keyOf(a) > keyOf(b) : keyOf(a) < keyOf(b));
  let last: string | undefined;
  for (;;) {
    let next: (typeof cursors)[number] | undefined;
    for (const cursor of cursors) {
      if (cursor.head.done) continue;
      if (!next || next.head.done || before(cursor.head.value, next.head.value)) next = cursor;
    }
    if (!next || next.head.done) return;
    const key = keyOf(next.head.value);
    if (key !== last) yield next.head.value;
    last = key;
    next.head = await next.stream.next();
  }
}

export interface IndexWalk {
  table: string;
  index?: string;
  keyName: string;
  keyValue: string;
  /** The sort key's name: the walk follows it. */
  sortName: string;
  descending: boolean;
  /** Exclusive bounds on the sort key. */
  above?: string | undefined;
  below?: string | undefined;
  /** Items read per request. */
  chunk: number;
  /** When set, each request after the first reads twice as many items as the one before, up to this many. */
  maxChunk?: number | undefined;
  /** When set, counts the items read, and no request reads more than what is left of its budget (but at least one). */
  meter?: ReadMeter | undefined;
}

/** Exclusive bounds on a sort key; absent is unbounded. */
export interface KeyBounds {
  above?: string | undefined;
  below?: string | undefined;
}

/** The items a list has read so far, index entries and records alike, against what it may read in all. */
export interface ReadMeter {
  read: number;
  budget: number;
}

/**
 * The items of one partition in sort key order, strictly between the bounds, read a chunk at a time and only as far
 * as the reader goes. The bounds narrow the key condition rather than being a start key, which DynamoDB refuses
 * outside the condition's range.
 */
export async function* walkIndex(
  client: DynamoDBDocumentClient,
  walk: IndexWalk,
): AsyncGenerator<Record<string, unknown>> {
  const { above, below, meter } = walk;
  if (above !== undefined && below !== undefined && above >= below) return;
  const range =
    above !== undefined && below !== undefined
      ? ' AND #sort BETWEEN :above AND :below'
      : above !== undefined
        ? ' AND #sort > :above'
        : below !== undefined
          ? ' AND #sort < :below'
          : '';
  let start: Record<string, unknown> | undefined;
  let chunk = walk.chunk;
  do {
    // Reserved on the meter before the request, so that walks read at once never read past the budget together.
    const limit = meter ? Math.max(1, Math.min(chunk, meter.budget - meter.read)) : chunk;
    if (meter) meter.read += limit;
    const out = await client.send(
      new QueryCommand({
        TableName: walk.table,
        ...(walk.index === undefined ? {} : { IndexName: walk.index }),
        KeyConditionExpression: `#key = :key${range}`,
        ExpressionAttributeNames: { '#key': walk.keyName, ...(range ? { '#sort': walk.sortName } : {}) },
        ExpressionAttributeValues: {
          ':key': walk.keyValue,
          ...(above === undefined ? {} : { ':above': above }),
          ...(below === undefined ? {} : { ':below': below }),
        },
        ScanIndexForward: !walk.descending,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    if (meter) meter.read -= limit - (out.Items?.length ?? 0);
    chunk = Math.max(chunk, Math.min(2 * chunk, walk.maxChunk ?? chunk));
    for (const item of out.Items ?? []) {
      const sort = item[walk.sortName] as string;
      // BETWEEN includes its ends; the bounds are exclusive.
      if (sort !== above && sort !== below) yield item;
    }
    start = out.LastEvaluatedKey;
  } while (start);
}

/** How far one page of a filtered walk goes. */
export interface PageBound<T> {
  keep: (item: T) => boolean;
  keyOf: (item: T) => string;
  limit: number;
  /** Items read at most, kept or not: a selective filter answers a short page rather than reading on. */
  budget: number;
}

/**
 * One page of a walk in key order: up to `limit` items that `keep` accepts, reading at most `budget` items. `resumeAt`
 * is the key the next page starts after, or null once the walk has ended: the last item kept when the page is full
 * and another follows, the last item read when the budget ran out first.
 */
export const takePage = async <T>(
  items: AsyncIterable<T>,
  { keep, keyOf, limit, budget }: PageBound<T>,
): Promise<{ kept: T[]; resumeAt: string | null }> => {
  const kept: T[] = [];
  let read = 0;
  for await (const item of items) {
    if (keep(item)) {
      const lastKept = kept.at(-1);
      if (kept.length === limit && lastKept !== undefined) return { kept, resumeAt: keyOf(lastKept) };
      kept.push(item);
    }
    if (++read >= budget) return { kept, resumeAt: keyOf(item) };
  }
  return { kept, resumeAt: null };
};
