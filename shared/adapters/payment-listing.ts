import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors';
import type { MetadataFilter } from '../metadata';
import { idTime } from '../ids';
import type { Payment, PaymentType } from '../payments/model';
import type { PaymentFacts, PaymentPage, PaymentPageRead } from '../payments/ports';
import { batchGet } from './batch';
import { allEntries, filteredPage, type IndexEntry, sortedInMemory } from './filtered-page';
import { DynamoMetadataIndex } from './metadata-index';
import { type IndexWalk, type KeyBounds, mergeInOrder, type ReadMeter, walkIndex } from './ordered';
import { amountBounds, idBounds, indexKeys, narrower, type SortKey, sortKeys } from './payment-keys';

/**
 * The scopes of a payment's metadata entries: its payer, its payee, and every payment (for operators). Their order is
 * that of the lookup indexes they are written to.
 */
const PAYMENT_METADATA_SCOPES = ['payer', 'payee', 'all'] as const;
export type PaymentMetadataScope = (typeof PAYMENT_METADATA_SCOPES)[number];
/** The value every payment is in the `all` scope under. */
export const EVERY_PAYMENT = '*';

/** The metadata index of payments, on the metadata table. */
export const paymentMetadataIndex = (
  client: DynamoDBDocumentClient,
  table: string,
): DynamoMetadataIndex<PaymentMetadataScope> =>
  new DynamoMetadataIndex(client, table, 'payment', PAYMENT_METADATA_SCOPES);

// The first request of a walk reads what the page shows and one more; later ones read more at a time, up to this, when
// filters drop entries.
const MAX_CHUNK = 200;

export interface ListingSources {
  client: DynamoDBDocumentClient;
  /** The payments table. */
  table: string;
  metadata: () => DynamoMetadataIndex<PaymentMetadataScope>;
  fromItem: (item: Record<string, unknown>) => Payment;
}

type Entries = AsyncGenerator<IndexEntry<PaymentFacts>>;
type Walk = Pick<IndexWalk, 'descending' | 'above' | 'below' | 'chunk' | 'maxChunk' | 'meter'>;

const factsOf = (item: Record<string, unknown>): PaymentFacts | undefined =>
  typeof item.type === 'string' && typeof item.amount === 'bigint'
    ? {
        id: item.id as string,
        type: item.type as PaymentType,
        currency: item.currency as string,
        amount: item.amount,
        sourceAccountId: item.sourceAccountId as string,
        destinationAccountId: item.destinationAccountId as string,
        ...(typeof item.refundOf === 'string' ? { refundOf: item.refundOf } : {}),
        createdAt: idTime(item.id as string),
      }
    : undefined;

/** Where the page resumes, as exclusive bounds in the direction of the read. */
const resuming = (position: string | undefined, descending: boolean): KeyBounds =>
  position === undefined ? {} : descending ? { below: position } : { above: position };

/** One list's reads: the order's key, how far the walks go, and what they have read. */
class Listing {
  readonly sortKey: SortKey;
  readonly meter: ReadMeter;

  constructor(
    private readonly sources: ListingSources,
    private readonly read: PaymentPageRead,
  ) {
    this.sortKey = sortKeys[read.order.field];
    this.meter = { read: 0, budget: read.budget };
  }

  /** The entries of one partition of a payments index, in the order of `sortName` (the order's key by default). */
  async *entries(index: string, keyName: string, keyValue: string, walk: Walk, sortName?: string): Entries {
    const name = sortName ?? this.sortKey.name;
    for await (const item of walkIndex(this.sources.client, {
      table: this.sources.table,
      index,
      keyName,
      keyValue,
      sortName: name,
      ...walk,
    })) {
      yield { key: item[name] as string, id: item.id as string, facts: factsOf(item) };
    }
  }

  /** The payments holding a metadata pair, in id order: the caller's as payer or payee, or every one. */
  metadataEntries(filter: MetadataFilter, walk: Walk): Entries[] {
    const { scope } = this.read;
    const lookups: [PaymentMetadataScope, string][] =
      scope === 'all'
        ? [['all', EVERY_PAYMENT]]
        : [
            ['payer', scope.userId],
            ['payee', scope.userId],
          ];
    const index = this.sources.metadata();
    return lookups.map(([name, under]) =>
      (async function* (): Entries {
        for await (const id of index.ids(name, under, filter, walk)) yield { key: id, id };
      })(),
    );
  }

  /** The scope's index of this order: the caller's two (as payer, as payee), or that of every payment. */
  scopeEntries(walk: Walk): Entries[] {
    const { scope } = this.read;
    const suffix = this.sortKey.suffix;
    return scope === 'all'
      ? [this.entries(`all${suffix}`, 'listed', 'payment', walk)]
      : [
          this.entries(`bySourceOwner${suffix}`, 'sourceOwnerId', scope.userId, walk),
          this.entries(`byDestinationOwner${suffix}`, 'destinationOwnerId', scope.userId, walk),
        ];
  }

  /**
   * The entries of the most selective filter an index serves, in id order (creation order) within the time range: the
   * refunds of a payment, then a metadata pair, then an account on either side; none when no such filter is given.
   */
  selectiveEntries(walk: Walk): Entries[] | undefined {
    const { refundOf, metadata, accountId } = this.read.filters;
    if (refundOf !== undefined) return [this.entries('byRefundOf', 'refundOf', refundOf, walk, 'id')];
    if (metadata !== undefined) return this.metadataEntries(metadata, walk);
    if (accountId !== undefined) {
      return [
        this.entries('bySourceAccount', 'sourceAccountId', accountId, walk, 'id'),
        this.entries('byDestinationAccount', 'destinationAccountId', accountId, walk, 'id'),
      ];
    }
    return undefined;
  }

  merged(streams: Entries[]): Entries {
    return mergeInOrder(streams, (entry) => entry.key, this.read.order.descending);
  }

  /** How a walk within the bounds reads: what the page shows and one more at first, and counted by the page. */
  walk(bounds: KeyBounds): Walk {
    const { order, limit } = this.read;
    return { descending: order.descending, ...bounds, chunk: limit + 1, maxChunk: MAX_CHUNK, meter: this.meter };
  }

  /**
   * The matches of the selective filter given, in id order within the bounds, when there are at most `most` of them:
   * read on a meter of their own, then counted by the page. Undefined when there are more, or no such filter is given.
   */
  async fewMatches(bounds: KeyBounds, most: number): Promise<IndexEntry<PaymentFacts>[] | undefined> {
    const meter = { read: 0, budget: most + 1 };
    const streams = this.selectiveEntries({ ...this.walk(bounds), meter });
    const matches = streams === undefined ? undefined : await allEntries(this.merged(streams), most);
    this.meter.read += meter.read;
    return matches;
  }
}

/** The key a payment sorts by in an order, as its index holds it: none when the payment is not in that index. */
const keyIn = (sortKey: SortKey, payment: Payment): string | undefined =>
  sortKey.name === 'id' ? payment.id : indexKeys(payment)[sortKey.name];

/**
 * One page of payments (see `PaymentStore.page`). In creation order it walks the index of the most selective filter
 * given (the refunds of a payment, a metadata pair, an account), else the scope's, within the time range. In another
 * order it walks the scope's index of that order (within the amount range, by amount); but when a selective filter
 * is given and matches at most half the read budget, it reads those matches whole and sorts them instead. The other
 * filters are checked on each entry's facts and then on the payment, as the read goes.
 */
export const paymentPage = async (sources: ListingSources, read: PaymentPageRead): Promise<PaymentPage> => {
  const { order, filters } = read;
  const listing = new Listing(sources, read);
  if (read.position !== undefined && !listing.sortKey.pattern.test(read.position)) {
    throw new ValidationError([{ path: 'cursor', message: 'is not a cursor from this list' }]);
  }
  const resume = resuming(read.position, order.descending);
  const spec = {
    admits: read.admits,
    keeps: read.keeps,
    load: async (ids: readonly string[]) =>
      new Map(
        (await batchGet(sources.client, sources.table, 'id', ids)).map((item) => {
          const payment = sources.fromItem(item);
          return [payment.id, payment];
        }),
      ),
    limit: read.limit,
    meter: listing.meter,
  };
  const created = idBounds(filters.from, filters.to);

  if (order.field === 'createdAt') {
    const walk = listing.walk(narrower(created, resume));
    const streams = listing.selectiveEntries(walk) ?? listing.scopeEntries(walk);
    return toPage(await filteredPage(listing.merged(streams), spec));
  }

  const most = Math.floor(read.budget / 2);
  const matches = await listing.fewMatches(created, most);
  if (matches !== undefined) {
    const keyOf = (payment: Payment) => keyIn(listing.sortKey, payment);
    return toPage(await sortedInMemory(matches, { ...spec, keyOf, bounds: resume, descending: order.descending }));
  }
  if (filters.metadata !== undefined) throw tooManyToSort(order.field, most);
  const keyed = order.field === 'amount' ? amountBounds(filters.minAmount, filters.maxAmount) : {};
  const walk = listing.walk(narrower(keyed, resume));
  return toPage(await filteredPage(listing.merged(listing.scopeEntries(walk)), spec));
};

const toPage = ({ records, resumeAt }: { records: Payment[]; resumeAt: string | null }): PaymentPage => ({
  payments: records,
  resumeAt,
});

const tooManyToSort = (field: string, most: number) =>
  new ValidationError(
    [{ path: 'sort', message: `sorts at most ${most} payments holding a metadata pair; sort by createdAt for more` }],
    `More than ${most} payments hold this metadata pair: sorted by ${field}, they would be read whole.`,
  );
