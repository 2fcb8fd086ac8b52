import { monotonicFactory } from 'ulid';

/**
 * Opaque, time-sortable ids with a type prefix (`usr_`, `acc_`, `tok_`, `pay_`, `op_`), as Stripe does: a reader of a
 * log line knows what an id names. ULIDs carry 80 random bits, so ids are never guessable sequences.
 */
export type IdPrefix = 'usr' | 'acc' | 'tok' | 'pay' | 'op';

const ulid = monotonicFactory();

export const newId = (prefix: IdPrefix): string => `${prefix}_${ulid().toLowerCase()}`;

export const hasPrefix = (id: string, prefix: IdPrefix): boolean =>
  /^[a-z]+_[0-9a-z]{26}$/.test(id) && id.startsWith(`${prefix}_`);
