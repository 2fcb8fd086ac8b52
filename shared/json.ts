/** JSON for the wire: exact integers for bigints, which JSON.stringify cannot write. */
import { randomUUID } from 'node:crypto';

// JSON.stringify cannot write a bigint. Balances are bigints, so each is first swapped for a marker string no input
// can forge (it is random per process) and the marker's quotes are then dropped, leaving an exact JSON integer.
const marker = `bigint:${randomUUID()}:`;
const markedBigint = new RegExp(`"${marker}(-?[0-9]+)"`, 'g');

export const stringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v)).replace(
    markedBigint,
    '$1',
  );
