import { DynamoEventStore } from '../../shared/adapters/event-store';
import { eventOf, type PaymentEvent } from '../../shared/events/model';
import { type EventListQuery, listEvents } from '../../shared/events/service';
import { newIdAt } from '../../shared/ids';
import type { Payment } from '../../shared/payments/model';
import type { Principal } from '../../shared/users/model';
import { createTestTables, type TestTables } from '../support/dynamo';

let db: TestTables;
let store: DynamoEventStore;

const user = (userId: string): Principal => ({ userId, role: 'user', emailVerified: true, tokenId: 'tok_x' });
const [ada, bob, eve] = [user('usr_ada'), user('usr_bob'), user('usr_eve')];
const operator: Principal = { userId: 'usr_ops', role: 'admin', emailVerified: true, tokenId: 'tok_ops' };

// Within the events' retention: DynamoDB Local's TTL deletes an event whose `expiresAt` has passed, as DynamoDB does.
const start = Math.floor(Date.now() / 1_000) * 1_000 - 60 * 60 * 1_000;
let n = 0;
/** A payment that reached `status` a second after the previous one. */
const reached = (status: 'COMPLETED' | 'FAILED', payer: string, payee: string): PaymentEvent => {
  const at = new Date(start + 1_000 * ++n);
  const payment: Payment = {
    id: newIdAt('pay', at),
    type: 'transfer',
    status,
    sourceAccountId: `acc_${payer}`,
    destinationAccountId: `acc_${payee}`,
    amount: 100n,
    currency: 'USD',
    fee: 1n,
    capture: 'automatic',
    refundedAmount: 0n,
    refundsReserved: 0n,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    sourceOwnerId: payer,
    destinationOwnerId: payee,
  };
  return eventOf(payment)!;
};

// Ada pays Bob ten times; Bob fails to pay Ada five times (Ada never hears of it); Eve pays Carol ten times.
const paid = Array.from({ length: 10 }, () => reached('COMPLETED', ada.userId, bob.userId));
const failed = Array.from({ length: 5 }, () => reached('FAILED', bob.userId, ada.userId));
const others = Array.from({ length: 10 }, () => reached('COMPLETED', eve.userId, 'usr_carol'));
const all = [...paid, ...failed, ...others].sort((a, b) => (a.id < b.id ? -1 : 1));

beforeAll(async () => {
  db = await createTestTables();
  store = new DynamoEventStore(db.client, db.names.events);
  // Interleaved, as payments of several users finish.
  for (let i = 0; i < 10; i++) {
    for (const event of [paid[i], failed[i], others[i]]) if (event) await store.put(event);
  }
}, 30_000);

afterAll(() => {
  db.destroy();
});

/** Every event a caller lists, following `nextCursor` until it is null, with the size of each page. */
const everything = async (caller: Principal, query: Partial<EventListQuery> = {}) => {
  const ids: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await listEvents({ events: store }, caller, { descending: false, limit: 3, ...query, cursor });
    ids.push(...page.data.map((event) => event.id));
    pages.push(page.data.length);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages.length < 100);
  return { ids, pages };
};

const idsOf = (events: PaymentEvent[]) => events.map((event) => event.id).sort();

describe('the event log', () => {
  it('writes an event once: the same transition put again writes nothing', async () => {
    await expect(store.put(paid[0]!)).resolves.toBe(false);
    expect((await store.find(paid[0]!.id))?.payment).toEqual(paid[0]!.payment);
  });

  it('lists to each user the events of payments it may see, oldest first, across pages, each once', async () => {
    expect((await everything(ada)).ids).toEqual(idsOf(paid));
    expect((await everything(bob)).ids).toEqual(idsOf([...paid, ...failed]));
    expect((await everything(eve)).ids).toEqual(idsOf(others));
    expect((await everything(operator)).ids).toEqual(all.map((event) => event.id));
  });

  it('lists newest first on request, and only what follows the event `after` names, in either order', async () => {
    const cut = paid[4]!.id;
    const later = idsOf(paid).filter((id) => id > cut);

    expect((await everything(ada, { descending: true })).ids).toEqual(idsOf(paid).reverse());
    expect((await everything(ada, { after: cut })).ids).toEqual(later);
    expect((await everything(ada, { after: cut, descending: true })).ids).toEqual([...later].reverse());
  });

  it('filters on type and payment, never showing a payee the events of a failed payment', async () => {
    expect((await everything(bob, { type: 'payment.failed' })).ids).toEqual(idsOf(failed));
    expect((await everything(ada, { type: 'payment.failed' })).ids).toEqual([]);
    expect((await everything(bob, { paymentId: failed[0]!.payment.id })).ids).toEqual([failed[0]!.id]);
    expect((await everything(ada, { paymentId: failed[0]!.payment.id })).ids).toEqual([]);
    expect((await everything(operator, { paymentId: failed[0]!.payment.id })).ids).toEqual([failed[0]!.id]);
  });

  it('answers short pages with a cursor rather than reading on when a filter is selective', async () => {
    const { ids, pages } = await everything(operator, { type: 'payment.failed', limit: 1 });

    expect(ids).toEqual(idsOf(failed));
    // Five index entries read at most per page of one: some pages come back empty, none longer than asked.
    expect(pages.some((size) => size === 0)).toBe(true);
    expect(Math.max(...pages)).toBe(1);
  });
});
