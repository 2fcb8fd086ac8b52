import fc from 'fast-check';
import { allEntries, filteredPage, type IndexEntry, sortedInMemory } from '../../shared/adapters/filtered-page';

/** A record of a list: its key in the order asked, a fact its index entry shows, and whether it is listed in full. */
interface Row {
  id: string;
  key: string;
  small: boolean;
  kept: boolean;
}

async function* entriesOf(rows: readonly Row[]): AsyncGenerator<IndexEntry<{ small: boolean }>> {
  for (const row of rows) yield await Promise.resolve({ key: row.key, id: row.id, facts: { small: row.small } });
}

const rowsArbitrary = fc
  .uniqueArray(fc.record({ n: fc.integer({ min: 0, max: 9_999 }), small: fc.boolean(), kept: fc.boolean() }), {
    selector: (row) => row.n,
    maxLength: 50,
  })
  .map((rows) =>
    rows.map(({ n, small, kept }): Row => ({ id: `r${n}`, key: String(n).padStart(4, '0'), small, kept })),
  );

describe('a page of a list that follows index entries', () => {
  it('lists every record that passes both filters once, in order, across pages cut short by any budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        rowsArbitrary,
        fc.boolean(),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 2 }),
        async (rows, descending, limit, budget, wholeEvery) => {
          const ascending = [...rows].sort((a, b) => (a.key < b.key ? -1 : 1));
          const ordered = descending ? ascending.reverse() : ascending;
          const byId = new Map(rows.map((row) => [row.id, row]));
          const spec = {
            admits: (facts: { small: boolean }) => facts.small,
            keeps: (row: Row) => row.kept,
            load: (ids: readonly string[]) =>
              Promise.resolve(new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id) as Row]] : [])))),
            limit,
          };
          const seen: string[] = [];
          let after: string | null | undefined;
          for (let pages = 0; after !== null; pages++) {
            expect(pages).toBeLessThanOrEqual(rows.length + 1);
            const from = after;
            const rest = ordered.filter((row) => from === undefined || (descending ? row.key < from : row.key > from));
            const meter = { read: 0, budget };
            // Some pages sort the whole set in memory, as a list does for a few matches; their cursor is the same.
            const page =
              wholeEvery > 0 && pages % (wholeEvery + 1) === 0
                ? await sortedInMemory(
                    rows.map((row) => ({ key: row.key, id: row.id, facts: { small: row.small } })),
                    {
                      ...spec,
                      meter,
                      keyOf: (row: Row) => row.key,
                      bounds: from === undefined ? {} : descending ? { below: from } : { above: from },
                      descending,
                    },
                  )
                : await filteredPage(entriesOf(rest), { ...spec, meter });
            expect(page.records.length).toBeLessThanOrEqual(limit);
            seen.push(...page.records.map((row) => row.key));
            after = page.resumeAt;
          }
          expect(seen).toEqual(ordered.filter((row) => row.small && row.kept).map((row) => row.key));
        },
      ),
    );
  });

  it('reads no more records in full than the budget allows', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, fc.integer({ min: 1, max: 6 }), async (rows, budget) => {
        let loaded = 0;
        const meter = { read: 0, budget };
        await filteredPage(entriesOf(rows), {
          admits: () => true,
          keeps: () => false,
          load: (ids) => {
            loaded += ids.length;
            return Promise.resolve(new Map());
          },
          limit: 3,
          meter,
        });

        expect(loaded).toBeLessThanOrEqual(budget);
        expect(meter.read).toBe(loaded);
      }),
    );
  });

  it('answers every entry when there are at most as many as asked, and nothing when there are more', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, fc.integer({ min: 0, max: 60 }), async (rows, most) => {
        const all = await allEntries(entriesOf(rows), most);

        expect(all?.map((entry) => entry.id)).toEqual(rows.length <= most ? rows.map((row) => row.id) : undefined);
      }),
    );
  });
});
