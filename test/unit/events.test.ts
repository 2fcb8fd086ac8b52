import fc from 'fast-check';
import { takePage } from '../../shared/adapters/ordered';
import { eventOf, eventTypeOf } from '../../shared/events/model';
import { audienceOf, viewersOf } from '../../shared/payments/model';
import { derivedId, idTime } from '../../shared/ids';
import { samplePayment } from '../support/payment-fixture';
import { eventView } from '../../shared/views';

const payment = samplePayment;

describe('payment events', () => {
  it('map each state a payment reaches to its event type, and INITIATED to none', () => {
    expect(['INITIATED', 'AUTHORIZED', 'COMPLETED', 'FAILED', 'VOIDED'].map(eventTypeOf)).toEqual([
      undefined,
      'payment.authorized',
      'payment.completed',
      'payment.failed',
      'payment.voided',
    ]);
    expect(eventOf(payment({ status: 'INITIATED' }))).toBeUndefined();
  });

  it('take the same id when the same transition is read twice, so a redelivered record writes nothing new', () => {
    const first = eventOf(payment());
    const again = eventOf(payment());

    expect(first?.id).toBe(again?.id);
    expect(first?.id).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(first?.createdAt).toBe('2026-01-01T00:00:01.000Z');
    expect(idTime(first!.id)).toBe(first?.createdAt);
  });

  it('take ids that sort in the order a payment reached its states, and differ between payments and states', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.string(),
        (start, gap, suffix) => {
          const id = `pay_${suffix}`;
          const authorized = eventOf(payment({ id, status: 'FAILED', updatedAt: new Date(start).toISOString() }))!;
          const later = eventOf(payment({ id, status: 'COMPLETED', updatedAt: new Date(start + gap).toISOString() }))!;
          const other = eventOf(payment({ id: `${id}x`, status: 'FAILED', updatedAt: new Date(start).toISOString() }))!;
          expect(authorized.id < later.id).toBe(true);
          expect(authorized.id).not.toBe(other.id);
        },
      ),
    );
  });

  it('show the payment as the API does, without the owners it is indexed by', () => {
    const view = eventView(eventOf(payment())!);

    expect(view).toMatchObject({ type: 'payment.completed', data: { payment: { id: payment().id, amount: 100n } } });
    expect(view.data.payment).not.toHaveProperty('sourceOwnerId');
    expect(view.data.payment).not.toHaveProperty('destinationOwnerId');
  });
});

describe('who may see a payment event', () => {
  it('is the payer and the payee of a payment that moved money', () => {
    expect(audienceOf(payment())).toEqual({ payer: 'usr_ada', payee: 'usr_bob' });
    expect(viewersOf(payment())).toEqual(['usr_ada', 'usr_bob']);
  });

  it('is the payer alone when the payment FAILED: money never reached the payee', () => {
    expect(audienceOf(payment({ status: 'FAILED' }))).toEqual({ payer: 'usr_ada' });
    expect(viewersOf(payment({ status: 'FAILED' }))).toEqual(['usr_ada']);
  });

  it('is one user once when both sides are theirs, and nobody for a technical account', () => {
    expect(viewersOf(payment({ destinationOwnerId: 'usr_ada' }))).toEqual(['usr_ada']);
    expect(viewersOf(payment({ sourceOwnerId: undefined }))).toEqual(['usr_bob']);
  });
});

describe('derived ids', () => {
  it('are ULIDs of the given instant with a prefix, the same for the same seed', () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    const id = derivedId('dlv', at, 'whk_1#evt_1');

    expect(id).toMatch(/^dlv_[0-9a-z]{26}$/);
    expect(idTime(id)).toBe(at.toISOString());
    expect(derivedId('dlv', at, 'whk_1#evt_1')).toBe(id);
    expect(derivedId('dlv', at, 'whk_2#evt_1')).not.toBe(id);
  });
});

async function* itemsOf<T>(items: readonly T[]) {
  for (const item of items) yield await Promise.resolve(item);
}

describe('a page of a filtered walk', () => {
  it('visits every kept item once and in order across pages, however short the budget makes them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 60 }),
        fc.func(fc.boolean()),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        async (numbers, keepIt, limit, factor) => {
          const keys = [...numbers].sort((a, b) => a - b).map((n) => String(n).padStart(5, '0'));
          const keep = (key: string) => keepIt(key);
          const seen: string[] = [];
          let after: string | null | undefined;
          for (let pages = 0; after !== null; pages++) {
            expect(pages).toBeLessThanOrEqual(keys.length + 1);
            const from = after;
            const rest = keys.filter((key) => from === undefined || key > from);
            const page = await takePage(itemsOf(rest), { keep, keyOf: (key) => key, limit, budget: factor * limit });
            expect(page.kept.length).toBeLessThanOrEqual(limit);
            seen.push(...page.kept);
            after = page.resumeAt;
          }
          expect(seen).toEqual(keys.filter(keep));
        },
      ),
    );
  });
});
