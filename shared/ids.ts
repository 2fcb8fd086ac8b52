import { createHash } from 'node:crypto';
import { decodeTime, encodeTime, monotonicFactory, ulid as ulidAt } from 'ulid';

/**
 * Opaque, time-sortable ids with a type prefix (`usr_`, `acc_`, `tok_`, `pay_`, `op_`, `evt_`, `whk_`, `dlv_`), as
 * Stripe does: a reader of a log line knows what an id names. ULIDs carry 80 random bits, so ids are never guessable
 * sequences.
 */
export type IdPrefix = 'usr' | 'acc' | 'tok' | 'pay' | 'op' | 'evt' | 'whk' | 'dlv';

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

// Crockford's base 32, the alphabet of ULIDs, in lower case as every id here is.
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * The same id every time for the same instant and the same `seed`: a ULID whose time is `at` and whose 80 other bits
 * are the first bits of SHA-256(seed). Something written once per fact (an event per payment state, a delivery per
 * endpoint and event) takes such an id, so that a retry writes under the same key and a conditional put keeps one.
 */
export const derivedId = (prefix: IdPrefix, at: Date, seed: string): string => {
  const digest = createHash('sha256').update(seed).digest();
  const tail = Array.from({ length: 16 }, (_, index) => BASE32[(digest[index] ?? 0) & 31]).join('');
  return `${prefix}_${encodeTime(at.getTime(), 10).toLowerCase()}${tail}`;
};
