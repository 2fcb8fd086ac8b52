import fc from 'fast-check';
import { sortedPage } from '../../shared/sorted-page';

interface Item {
  id: string;
  balance: bigint;
  name: string | null;
}

const items = fc.uniqueArray(
  fc.record({
    id: fc.stringMatching(/^acc_[0-9a-z]{4}$/),
    balance: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    name: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
  }),
  { selector: (item) => item.id, maxLength: 40 },
);

const valueOf = (item: Item, field: 'balance' | 'name') => item[field];

// Nulls sort first, as the pager orders them.
const compare = (a: bigint | string | null, b: bigint | string | null): number =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;

const walk = (all: Item[], field: 'balance' | 'name', descending: boolean, limit: number): Item[] => {
  const seen: Item[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages <= all.length + 1; pages++) {
    const page = sortedPage(all, { field, descending }, valueOf, { limit, ...(cursor ? { cursor } : {}) });
    seen.push(...page.data);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return seen;
};

describe('sortedPage', () => {
  it('visits every item exactly once, in order, whatever the page size', () => {
    fc.assert(
      fc.property(
        items,
        fc.constantFrom<'balance' | 'name'>('balance', 'name'),
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        (all, field, descending, limit) => {
          const seen = walk(all, field, descending, limit);
          expect(seen.map((item) => item.id).sort()).toEqual(all.map((item) => item.id).sort());
          const inOrder = seen.every((item, i) => {
            if (i === 0) return true;
            const order = compare(seen[i - 1]![field], item[field]);
            return descending ? order >= 0 : order <= 0;
          });
          expect(inOrder).toBe(true);
        },
      ),
    );
  });

  it('neither repeats nor skips an item when items are added between two pages', () => {
    const all: Item[] = [
      { id: 'acc_0001', balance: 10n, name: 'a' },
      { id: 'acc_0002', balance: 20n, name: 'b' },
      { id: 'acc_0003', balance: 30n, name: 'c' },
    ];
    const first = sortedPage(all, { field: 'balance', descending: false }, valueOf, { limit: 2 });
    const grown = [...all, { id: 'acc_0000', balance: 5n, name: 'z' }, { id: 'acc_0004', balance: 25n, name: 'y' }];

    const second = sortedPage(grown, { field: 'balance', descending: false }, valueOf, {
      limit: 10,
      cursor: first.nextCursor!,
    });

    expect(first.data.map((item) => item.id)).toEqual(['acc_0001', 'acc_0002']);
    expect(second.data.map((item) => item.id)).toEqual(['acc_0004', 'acc_0003']);
  });

  it('refuses a cursor issued for another sort order', () => {
    const all: Item[] = [
      { id: 'acc_0001', balance: 1n, name: null },
      { id: 'acc_0002', balance: 2n, name: null },
    ];
    const { nextCursor } = sortedPage(all, { field: 'balance', descending: false }, valueOf, { limit: 1 });

    expect(() =>
      sortedPage(all, { field: 'name', descending: false }, valueOf, { limit: 1, cursor: nextCursor! }),
    ).toThrow(expect.objectContaining({ code: 'validation_error' }));
  });
});
