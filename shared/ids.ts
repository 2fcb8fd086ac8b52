import { decodeTime, monotonicFactory, ulid as ulidAt } from 'ulid';

/**
 * Opaque, time-sortable ids with a type prefix (`usr_`, `acc_`, `tok_`, `pay_`, `op_`), as Stripe does: a reader of a
 * log line knows what an id names. ULIDs carry 80 random bits, so ids are never guessable sequences.
 */
export type IdPrefix = 'usr' | 'acc' | 'tok' | 'pay' | 'op';

const ulid = monotonicFactory();

export const newId = (prefix: IdPrefix): string => `${prefix}_${ulid().toLowerCase()}`;

/**
 * An id whose time is exactly `at`, to the millisecond: a payment's `createdAt` is read from its id, so that ordering
 * payments by id is ordering them by (`createdAt`, id), and a list can follow an index sorted by id page by page.
 * Not monotonic: two ids of one millisecond order at random, as the tie-break on id says they may.
 */
export const newIdAt = (prefix: IdPrefix, at: Date): string => `${prefix}_${ulidAt(at.getTime()).toLowerCase()}`;

/** The instant an id was made at, as an ISO timestamp. */
export const idTime = (id: string): string =>
  new Date(decodeTime(id.slice(id.indexOf('_') + 1).toUpperCase())).toISOString();
