import * as z from 'zod/mini';
import { decodeCursor, encodeCursor } from './adapters/cursor';
import { ValidationError } from './errors';
import type { Page, PageRequest } from './page';
import type { SortOrder } from './schemas/common';

export type SortValue = string | bigint | null;

const cursorShape = z.object({
  sort: z.string(),
  id: z.string(),
  value: z.union([
    z.null(),
    z.object({ s: z.string() }),
    z.object({ n: z.string().check(z.regex(/^-?[0-9]{1,40}$/)) }),
  ]),
});

const encodeValue = (value: SortValue) =>
  value === null ? null : typeof value === 'bigint' ? { n: value.toString() } : { s: value };

const decodeValue = (value: z.infer<typeof cursorShape>['value']): SortValue =>
  value === null ? null : 'n' in value ? BigInt(value.n) : value.s;

// Nulls first, then by value; values of one field are all of one type.
const compareValues = (a: SortValue, b: SortValue): number => {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
};

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Keyset pagination over a list held in memory: items are ordered by (field, id), and the cursor carries the last
 * (value, id) returned, so a page never repeats or skips an item even when items change between two requests.
 */
export const sortedPage = <T extends { id: string }, F extends string>(
  items: readonly T[],
  order: SortOrder<F>,
  valueOf: (item: T, field: F) => SortValue,
  { limit, cursor }: PageRequest,
): Page<T> => {
  const direction = order.descending ? -1 : 1;
  const compareKeys = (a: [SortValue, string], b: [SortValue, string]) =>
    direction * (compareValues(a[0], b[0]) || compareIds(a[1], b[1]));
  const keyOf = (item: T): [SortValue, string] => [valueOf(item, order.field), item.id];

  let candidates = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  if (cursor !== undefined) {
    const last = readSortCursor(cursor, order);
    candidates = candidates.filter((item) => compareKeys(keyOf(item), [last.value, last.id]) > 0);
  }
  const data = candidates.slice(0, limit);
  const tail = data.at(-1);
  const nextCursor = candidates.length > limit && tail ? sortCursor(order, tail.id, valueOf(tail, order.field)) : null;
  return { data, nextCursor };
};

const sortKeyOf = (order: SortOrder<string>): string => `${order.descending ? '-' : ''}${order.field}`;

/** The cursor after the item `id` whose sort value is `value`, in this order. */
export const sortCursor = (order: SortOrder<string>, id: string, value: SortValue): string =>
  encodeCursor({ sort: sortKeyOf(order), id, value: encodeValue(value) });

/** Where a page of this order resumes; a cursor issued for another order is a 400. */
export const readSortCursor = (cursor: string, order: SortOrder<string>): { id: string; value: SortValue } => {
  const after = decodeCursor(cursor, cursorShape);
  if (after.sort !== sortKeyOf(order)) {
    throw new ValidationError([{ path: 'cursor', message: 'was issued for another sort order' }]);
  }
  return { id: after.id, value: decodeValue(after.value) };
};
