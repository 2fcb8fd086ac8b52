import type { KeyBounds, ReadMeter } from './ordered';

/** An entry of an index, in the order a list follows: the key it sorts by, the record's id, and what it shows of it. */
export interface IndexEntry<F> {
  key: string;
  id: string;
  /** The attributes the index projects, when it projects any. */
  facts?: F | undefined;
}

export interface FilteredPageSpec<F, T> {
  /** Whether a record may be listed, judged from its entry's facts alone: a record that fails it is not read. */
  admits: (facts: F) => boolean;
  /** The records of these ids, read in full; a missing one is skipped. */
  load: (ids: readonly string[]) => Promise<Map<string, T>>;
  /** Whether a record read in full is listed. */
  keeps: (record: T) => boolean;
  limit: number;
  /** What the page has read and may read: the walks count their entries, the page the records it loads. */
  meter: ReadMeter;
}

export interface FoundPage<T> {
  records: T[];
  /** The key the next page starts after, or null when nothing follows. */
  resumeAt: string | null;
}

const admitted = <F>(entry: IndexEntry<F>, admits: (facts: F) => boolean) =>
  entry.facts === undefined || admits(entry.facts);

/**
 * One page of a list that follows index entries in key order: up to `limit` records that pass both filters, loaded in
 * batches of what the page still lacks, until the meter's budget is spent. `resumeAt` is the last record kept when the
 * page is full and another follows, the last entry read when the budget ran out first, null once the entries ended.
 */
export const filteredPage = async <F, T>(
  entries: AsyncIterable<IndexEntry<F>>,
  { admits, load, keeps, limit, meter }: FilteredPageSpec<F, T>,
): Promise<FoundPage<T>> => {
  const kept: { key: string; record: T }[] = [];
  let batch: IndexEntry<F>[] = [];
  const readBatch = async () => {
    const records = await load(batch.map((entry) => entry.id));
    for (const entry of batch) {
      const record = records.get(entry.id);
      if (record !== undefined && keeps(record)) kept.push({ key: entry.key, record });
    }
    batch = [];
  };
  // One more than the page shows tells whether another page follows.
  const full = () => {
    const last = kept[limit - 1];
    return kept.length > limit && last
      ? { records: kept.slice(0, limit).map((k) => k.record), resumeAt: last.key }
      : null;
  };

  for await (const entry of entries) {
    // A record is counted when it is chosen to be read, so that the walks never read past what the page may.
    if (admitted(entry, admits)) {
      batch.push(entry);
      meter.read++;
    }
    const spent = meter.read >= meter.budget;
    if (kept.length + batch.length > limit || spent) {
      await readBatch();
      const page = full();
      if (page) return page;
      if (spent) return { records: kept.map((k) => k.record), resumeAt: entry.key };
    }
  }
  await readBatch();
  return full() ?? { records: kept.map((k) => k.record), resumeAt: null };
};

/** Every entry, when there are at most `most` of them; undefined when there are more (one more is read to know). */
export const allEntries = async <F>(
  entries: AsyncIterable<IndexEntry<F>>,
  most: number,
): Promise<IndexEntry<F>[] | undefined> => {
  const all: IndexEntry<F>[] = [];
  for await (const entry of entries) {
    if (all.length === most) return undefined;
    all.push(entry);
  }
  return all;
};

export interface SortedPageSpec<F, T> extends FilteredPageSpec<F, T> {
  /** The key a record sorts by in the order asked, unique; a record without one is not listed. */
  keyOf: (record: T) => string | undefined;
  /** Only keys strictly between these are listed: where the page resumes, and any range on the key. */
  bounds: KeyBounds;
  descending: boolean;
}

const within = (key: string, { above, below }: KeyBounds) =>
  (above === undefined || key > above) && (below === undefined || key < below);

/**
 * One page of a set of entries held whole, in an order other than theirs: the records that pass both filters are read,
 * sorted by their key, and the page is the first `limit` of them within the bounds. Its cursor is a key of that order,
 * as a walk of an index sorted by it would answer, so the next page may be read either way.
 */
export const sortedInMemory = async <F, T>(
  entries: readonly IndexEntry<F>[],
  { admits, load, keeps, limit, meter, keyOf, bounds, descending }: SortedPageSpec<F, T>,
): Promise<FoundPage<T>> => {
  const ids = entries.filter((entry) => admitted(entry, admits)).map((entry) => entry.id);
  meter.read += ids.length;
  const keyed = [...(await load(ids)).values()].flatMap((record) => {
    const key = keyOf(record);
    return key !== undefined && within(key, bounds) && keeps(record) ? [{ key, record }] : [];
  });
  const ascending = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  keyed.sort((a, b) => (descending ? ascending(b, a) : ascending(a, b)));
  const last = keyed[limit - 1];
  return {
    records: keyed.slice(0, limit).map((k) => k.record),
    resumeAt: keyed.length > limit && last ? last.key : null,
  };
};
