import type { Operation } from './ports';

/**
 * Where a statement stands on one chain, between two pages: the sequence number it stops short of (exclusive, in the
 * direction of the walk) and the chain's balance there. Ascending, the balance after operation `seq`; descending, the
 * balance before operation `seq`, i.e. after `seq - 1`.
 */
export interface Position {
  seq: bigint;
  balance: bigint;
}

/** Up to `count` operations of a chain beyond a position, in the walk's direction, and whether more follow. */
export type ChainRead = (
  chain: string,
  position: Position,
  count: number,
) => Promise<{ items: Operation[]; more: boolean }>;

export interface StatementWalk {
  descending: boolean;
  /** Operations kept at most. */
  limit: number;
  /** Operations read at most, kept or not: past it the page ends short, with positions to resume from. */
  budget: number;
  keep: (operation: Operation) => boolean;
  /** Whether the walk has gone past its range (`to` ascending, `from` descending): nothing after it is wanted. */
  beyond: (operation: Operation) => boolean;
}

// A chain is read this many operations at a time at most; the first read of each is sized to the page.
const MAX_CHUNK = 100;

/** The order operations apply to an account: by time, then chain, then sequence number. */
const before = (a: Operation, b: Operation): boolean =>
  a.createdAt !== b.createdAt ? a.createdAt < b.createdAt : a.chain !== b.chain ? a.chain < b.chain : a.seq < b.seq;

/**
 * An account's statement, one page of it: its chains' operations merged in the order they applied to the account,
 * each with the whole account's `balanceAfter` (the sum of every chain's balance at that point), so that it chains
 * from one operation to the next whatever chain each is on, across pages too. Answers the page, and the positions to
 * resume from, or null when the walk reached the end.
 */
export const statementPage = async (
  start: ReadonlyMap<string, Position>,
  read: ChainRead,
  walk: StatementWalk,
): Promise<{ data: Operation[]; next: Map<string, Position> | null }> => {
  const positions = new Map(start);
  const buffers = new Map(
    [...start.keys()].map((chain) => [chain, { items: [] as Operation[], more: true, chunk: 0 }]),
  );
  const data: Operation[] = [];
  let spent = 0;
  const total = () => [...positions.values()].reduce((sum, position) => sum + position.balance, 0n);

  for (;;) {
    for (const [chain, buffer] of buffers) {
      if (buffer.items.length > 0 || !buffer.more) continue;
      buffer.chunk = buffer.chunk === 0 ? walk.limit + 1 : Math.min(MAX_CHUNK, buffer.chunk * 2);
      const position = positions.get(chain) ?? { seq: 0n, balance: 0n };
      const { items, more } = await read(chain, position, buffer.chunk);
      spent += items.length;
      Object.assign(buffer, { items, more });
    }
    let next: Operation | undefined;
    for (const { items } of buffers.values()) {
      const head = items[0];
      if (head && (!next || (walk.descending ? before(next, head) : before(head, next)))) next = head;
    }
    if (!next || walk.beyond(next)) return { data, next: null };
    buffers.get(next.chain)?.items.shift();

    let balanceAfter: bigint;
    if (walk.descending) {
      balanceAfter = total();
      positions.set(next.chain, { seq: next.seq, balance: next.balanceAfter - next.amount });
    } else {
      positions.set(next.chain, { seq: next.seq, balance: next.balanceAfter });
      balanceAfter = total();
    }
    if (walk.keep(next)) data.push({ ...next, balanceAfter });

    const ended = [...buffers.values()].every((buffer) => buffer.items.length === 0 && !buffer.more);
    if (ended) return { data, next: null };
    if (data.length === walk.limit || spent >= walk.budget) return { data, next: positions };
  }
};
