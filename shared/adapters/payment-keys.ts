import { encodeTime } from 'ulid';
import type { Payment, PaymentSortField } from '../payments/model';
import type { KeyBounds } from './ordered';

/**
 * The index keys of a payment item (the payments table in tables.ts): how each is made from the payment, and how a
 * list follows them. Sort keys end with the payment's id, so that they are unique and a page can resume strictly after
 * the last one it answered, ties included.
 */

// Wide enough for any amount or fee in minor units (2^53-1 has 16 digits), so that string order is numeric order.
const DIGITS = 20;
const ID = 'pay_[0-9a-z]{26}';

const padded = (value: bigint): string => value.toString().padStart(DIGITS, '0');

/** Set by the ledger in the same write that completes the payment: the `…Completed` indexes hold completed payments. */
export const completedKey = (completedAt: string, id: string): string => `${completedAt}#${id}`;

/** Rewritten when a capture recomputes the fee on the amount captured. */
export const feeKey = (fee: bigint, id: string): string => `${padded(fee)}#${id}`;

/** The attributes a payment is stored with besides its own fields: the keys of the indexes it belongs to. */
export const indexKeys = (payment: Payment): Record<string, string> => ({
  // `listed` puts every payment in the operators' indexes; the sparse `pending` index holds INITIATED payments only.
  listed: 'payment',
  ...(payment.status === 'INITIATED' ? { pending: 'INITIATED' } : {}),
  amountKey: `${padded(payment.amount)}#${payment.id}`,
  feeKey: feeKey(payment.fee, payment.id),
  ...(payment.completedAt === undefined ? {} : { completedKey: completedKey(payment.completedAt, payment.id) }),
});

export interface SortKey {
  /** The attribute the order follows. */
  name: string;
  /** The suffix of its index's name after the scope's (`bySourceOwner`, `bySourceOwnerAmount`…). */
  suffix: string;
  /** What a value of it looks like: a page cursor holding anything else was not issued by this list. */
  pattern: RegExp;
}

export const sortKeys: Readonly<Record<PaymentSortField, SortKey>> = {
  createdAt: { name: 'id', suffix: '', pattern: new RegExp(`^${ID}$`) },
  amount: { name: 'amountKey', suffix: 'Amount', pattern: new RegExp(`^[0-9]{${DIGITS}}#${ID}$`) },
  fee: { name: 'feeKey', suffix: 'Fee', pattern: new RegExp(`^[0-9]{${DIGITS}}#${ID}$`) },
  completedAt: {
    name: 'completedKey',
    suffix: 'Completed',
    pattern: new RegExp(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z#${ID}$`),
  },
};

// A payment id is `pay_` and a lower-case ULID, whose first ten characters encode its creation time: `pay_<time>` sorts
// before every id of that millisecond, and `pay_<time>~` after them (`~` follows every character of an id).
const idsOf = (time: string): string => `pay_${encodeTime(Date.parse(time), 10).toLowerCase()}`;

/** The ids of payments created from `from` to `to`, both inclusive, as exclusive bounds on `id`. */
export const idBounds = (from: string | undefined, to: string | undefined): KeyBounds => ({
  ...(from === undefined ? {} : { above: idsOf(from) }),
  ...(to === undefined ? {} : { below: `${idsOf(to)}~` }),
});

/** The amount keys of payments from `min` to `max`, both inclusive, as exclusive bounds on `amountKey`. */
export const amountBounds = (min: bigint | undefined, max: bigint | undefined): KeyBounds => ({
  ...(min === undefined ? {} : { above: `${padded(min)}#` }),
  ...(max === undefined ? {} : { below: `${padded(max)}#~` }),
});

/** The narrower of two sets of bounds. */
export const narrower = (a: KeyBounds, b: KeyBounds): KeyBounds => {
  const higher = (x: string | undefined, y: string | undefined) =>
    x === undefined || (y !== undefined && y > x) ? y : x;
  const lower = (x: string | undefined, y: string | undefined) =>
    x === undefined || (y !== undefined && y < x) ? y : x;
  return { above: higher(a.above, b.above), below: lower(a.below, b.below) };
};
