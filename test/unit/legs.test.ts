import * as z from 'zod/mini';
import fc from 'fast-check';
import { mayGoNegative, newTechnicalAccount, TECHNICAL_PURPOSES } from '../../shared/accounts/model';
import { chainFor, chainsOf, SHARDS } from '../../shared/ledger/chains';
import { DomainError } from '../../shared/errors';
import {
  assertBalanced,
  type Leg,
  type Movement,
  OverCaptureError,
  planAuthorization,
  planCapture,
  planLegs,
  planProcessing,
  planRelease,
  UnbalancedLegsError,
} from '../../shared/ledger/legs';
import { computeFee, DEFAULT_FEES, type FeeRule, feeScheduleSchema } from '../../shared/payments/fees';
import type { Payment } from '../../shared/payments/model';
import { samplePayment } from '../support/payment-fixture';

const rule = fc.record({
  bps: fc.integer({ min: 0, max: 10_000 }),
  fixed: fc.integer({ min: 0, max: 10_000 }),
  min: fc.integer({ min: 0, max: 10_000 }),
});
const amount = fc.bigInt({ min: 1n, max: 2n ** 53n - 1n });

const payment = (overrides: Partial<Payment>): Payment =>
  samplePayment({
    id: 'pay_01jd0000000000000000000000',
    status: 'INITIATED',
    sourceAccountId: 'acc_source',
    destinationAccountId: 'acc_destination',
    updatedAt: '2026-01-01T00:00:00.000Z',
    completedAt: undefined,
    ...overrides,
  });

describe('fees', () => {
  it.each([
    [DEFAULT_FEES.transfer, 10_000n, 100n],
    [DEFAULT_FEES.transfer, 50n, 1n], // 0.5 rounds half up
    [DEFAULT_FEES.transfer, 49n, 1n], // the default minimum of 1 minor unit
    [DEFAULT_FEES.transfer, 1n, 1n],
    [DEFAULT_FEES.exchange, 1n, 1n],
    [DEFAULT_FEES.withdrawal, 1n, 1n],
    [DEFAULT_FEES.withdrawal, 1_000n, 15n],
    [DEFAULT_FEES.deposit, 1_000_000n, 0n],
    [{ bps: 100, fixed: 30, min: 50 }, 100n, 50n],
    [{ bps: 250, fixed: 30, min: 0 }, 2n ** 53n - 1n, 30n + 225179981368525n],
  ])('charges %j on %p a fee of %p', (feeRule: FeeRule, value: bigint, expected: bigint) => {
    expect(computeFee(feeRule, value)).toBe(expected);
  });

  it('gives a configured rule without min a minimum of 1 minor unit when it charges anything, else none', () => {
    const schedule = z.parse(feeScheduleSchema, {
      transfer: { bps: 200, fixed: 0 },
      withdrawal: { bps: 0, fixed: 25 },
      deposit: { bps: 0, fixed: 0 },
      exchange: { bps: 10, fixed: 0, min: 0 },
    });

    expect(schedule).toEqual({
      transfer: { bps: 200, fixed: 0, min: 1 },
      withdrawal: { bps: 0, fixed: 25, min: 1 },
      deposit: { bps: 0, fixed: 0, min: 0 },
      exchange: { bps: 10, fixed: 0, min: 0 },
    });
  });

  it('is max(min, fixed + round_half_up(amount * bps / 10000)) for any rule and amount', () => {
    fc.assert(
      fc.property(rule, amount, (feeRule, value) => {
        const exact = value * BigInt(feeRule.bps); // in 1/10000 units
        const rounded = exact / 10_000n + (exact % 10_000n >= 5_000n ? 1n : 0n);
        const expected = BigInt(feeRule.fixed) + rounded;
        expect(computeFee(feeRule, value)).toBe(expected > BigInt(feeRule.min) ? expected : BigInt(feeRule.min));
      }),
    );
  });
});

describe('planLegs', () => {
  it('sums to zero per currency and debits the source exactly amount + fee, the fee as a line of its own, for any payment', () => {
    fc.assert(
      fc.property(
        amount,
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        fc.constantFrom('transfer', 'deposit', 'withdrawal'),
        (value, fee, type) => {
          const p = payment({ amount: value, fee, type });
          const legs = planLegs(p);
          const paid = legs.filter((leg) => leg.accountId === p.sourceAccountId);

          expect(legs.reduce((sum, leg) => sum + leg.amount, 0n)).toBe(0n);
          expect(paid.reduce((sum, leg) => sum + leg.amount, 0n)).toBe(-(value + fee));
          expect(legs[0]).toMatchObject({ accountId: p.sourceAccountId, amount: -value, type });
          expect(legs.slice(0, paid.length)).toEqual(paid);
          const feeLines = paid.slice(1).map((leg) => ({ amount: leg.amount, type: leg.type }));
          expect(feeLines).toEqual(fee > 0n ? [{ amount: -fee, type: 'commission' }] : []);
          expect(legs.filter((leg) => leg.amount === 0n)).toEqual([]);
        },
      ),
    );
  });

  it('shows the payer its fee as a commission right after the principal, and credits it to one shard of tech-fees-<currency>', () => {
    const legs = planLegs(payment({ fee: 3n }));

    expect(legs[1]).toMatchObject({
      accountId: 'acc_source',
      chain: 'acc_source',
      amount: -3n,
      type: 'commission',
      counterpartyAccountId: 'tech-fees-USD',
    });
    expect(legs[3]).toMatchObject({
      accountId: 'tech-fees-USD',
      amount: 3n,
      type: 'commission',
      counterpartyAccountId: 'acc_source',
    });
    expect(legs[3]!.chain).toMatch(/^tech-fees-USD#[0-7]$/);
  });

  it('spreads payments over every shard of a technical account, one payment always on the same shard', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `pay_${i.toString().padStart(26, '0')}`);
    const shards = new Set(ids.map((id) => chainFor('tech-fees-EUR', id)));

    expect([...shards].sort()).toEqual(chainsOf({ id: 'tech-fees-EUR' }).sort());
    expect(shards.size).toBe(SHARDS);
    expect(chainFor('tech-fees-EUR', ids[0]!)).toBe(chainFor('tech-fees-EUR', ids[0]!));
    expect(chainFor('acc_wallet', ids[0]!)).toBe('acc_wallet');
  });

  it('posts no fee leg for a free payment', () => {
    expect(planLegs(payment({ fee: 0n }))).toHaveLength(2);
  });

  it('posts a withdrawal to tech-withdrawals-<currency>: the wallet pays amount + fee, the e-wallet side gets amount', () => {
    const legs = planLegs(
      payment({ type: 'withdrawal', destinationAccountId: 'tech-withdrawals-USD', amount: 1_000n, fee: 15n }),
    );

    expect(legs.map(({ accountId, amount: value, type }) => [accountId, value, type])).toEqual([
      ['acc_source', -1_000n, 'withdrawal'],
      ['acc_source', -15n, 'commission'],
      ['tech-withdrawals-USD', 1_000n, 'withdrawal'],
      ['tech-fees-USD', 15n, 'commission'],
    ]);
  });
});

describe('planLegs for an exchange', () => {
  const exchange = (overrides: Partial<Payment>) =>
    payment({
      type: 'exchange',
      destinationAccountId: 'acc_yen',
      amount: 10_000n,
      fee: 50n,
      destinationCurrency: 'JPY',
      destinationAmount: 15_137n,
      rate: '151.37',
      ...overrides,
    });

  it('goes through the exchange desk of each currency and takes the fee in the source currency', () => {
    const legs = planLegs(exchange({}));

    expect(
      legs.map(({ accountId, amount: value, currency, type, counterpartyAccountId }) => [
        accountId,
        value,
        currency,
        type,
        counterpartyAccountId,
      ]),
    ).toEqual([
      ['acc_source', -10_000n, 'USD', 'exchange', 'tech-fx-USD'],
      ['acc_source', -50n, 'USD', 'commission', 'tech-fees-USD'],
      ['tech-fx-USD', 10_000n, 'USD', 'exchange', 'acc_source'],
      ['tech-fx-JPY', -15_137n, 'JPY', 'exchange', 'acc_yen'],
      ['acc_yen', 15_137n, 'JPY', 'exchange', 'tech-fx-JPY'],
      ['tech-fees-USD', 50n, 'USD', 'commission', 'acc_source'],
    ]);
  });

  it('sums to zero in each currency, debits the source amount + fee and credits the destination its amount', () => {
    fc.assert(
      fc.property(
        amount,
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        amount,
        fc.constantFrom(['USD', 'JPY'], ['BHD', 'USD'], ['EUR', 'GBP'], ['JPY', 'CLF']),
        (value, fee, credited, [from, to]) => {
          const legs = planLegs(
            exchange({ amount: value, fee, currency: from, destinationCurrency: to, destinationAmount: credited }),
          );
          const sums = new Map<string, bigint>();
          for (const leg of legs) sums.set(leg.currency, (sums.get(leg.currency) ?? 0n) + leg.amount);

          expect([...sums.values()]).toEqual([0n, 0n]);
          const paid = legs.filter((leg) => leg.accountId === 'acc_source');
          expect(paid.reduce((sum, leg) => sum + leg.amount, 0n)).toBe(-(value + fee));
          expect(legs[0]).toMatchObject({ accountId: 'acc_source', amount: -value, currency: from });
          expect(legs.find((leg) => leg.accountId === 'acc_yen')).toMatchObject({
            amount: credited,
            currency: to,
          });
        },
      ),
    );
  });

  it('refuses to plan an exchange that has no destination amount', () => {
    expect(() => planLegs(exchange({ destinationAmount: undefined }))).toThrow(/no destination amount/);
  });
});

describe('the posting rules of holds', () => {
  /** What a series of movements did to each account: its balance, what it holds, and its operations' types. */
  const applied = (...movements: Movement[]) => {
    const effect = new Map<string, { balance: bigint; held: bigint; types: string[] }>();
    const of = (accountId: string) => {
      const current = effect.get(accountId) ?? { balance: 0n, held: 0n, types: [] };
      effect.set(accountId, current);
      return current;
    };
    for (const { legs, held } of movements) {
      for (const leg of legs) {
        of(leg.accountId).balance += leg.amount;
        of(leg.accountId).types.push(leg.type);
      }
      for (const change of held) of(change.accountId).held += change.amount;
    }
    return (accountId: string) => effect.get(accountId) ?? { balance: 0n, held: 0n, types: [] };
  };

  const sumsToZero = ({ legs }: Movement) => legs.reduce((sum, leg) => sum + leg.amount, 0n) === 0n;

  const authorization = fc
    .record({
      type: fc.constantFrom('transfer' as const, 'withdrawal' as const),
      amount: fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }),
      fee: fc.bigInt({ min: 0n, max: 2n ** 40n }),
    })
    .map(({ type, amount: value, fee }) => ({
      payment: payment({
        type,
        capture: 'manual',
        amount: value,
        fee,
        ...(type === 'withdrawal' ? { destinationAccountId: 'tech-withdrawals-USD' } : {}),
      }),
    }));

  it('moves amount + fee from the balance to held on authorization, paid to the holds account, and sums to zero', () => {
    fc.assert(
      fc.property(authorization, ({ payment: p }) => {
        const movement = planAuthorization(p);
        const effect = applied(movement);

        expect(sumsToZero(movement)).toBe(true);
        expect(effect('acc_source')).toEqual({ balance: -(p.amount + p.fee), held: p.amount + p.fee, types: ['hold'] });
        expect(effect('tech-holds-USD')).toEqual({ balance: p.amount + p.fee, held: 0n, types: ['hold'] });
        expect(planProcessing(p)).toEqual(movement);
      }),
    );
  });

  // A capture of any amount up to the authorized one, with any fee the authorization can still cover.
  const capture = authorization.chain(({ payment: p }) =>
    fc.bigInt({ min: 1n, max: p.amount }).chain((captured) =>
      fc.record({
        payment: fc.constant(p),
        captured: fc.constant(captured),
        fee: fc.bigInt({ min: 0n, max: p.amount + p.fee - captured }),
      }),
    ),
  );

  it('conserves balance + held through authorize and capture, but for what the capture paid, and empties the hold', () => {
    fc.assert(
      fc.property(capture, ({ payment: p, captured, fee }) => {
        const movement = planCapture(p, { amount: captured, fee });
        const effect = applied(planAuthorization(p), movement);
        const released = p.amount + p.fee - captured - fee;

        expect(sumsToZero(movement)).toBe(true);
        expect(effect('acc_source').balance + effect('acc_source').held).toBe(-(captured + fee));
        expect(effect('acc_source').held).toBe(0n);
        expect(effect('acc_source').types).toEqual(released > 0n ? ['hold', 'release'] : ['hold']);
        expect(effect('tech-holds-USD').balance).toBe(0n);
        expect(effect(p.destinationAccountId).balance).toBe(captured);
        expect(effect('tech-fees-USD').balance).toBe(fee);
      }),
    );
  });

  it('conserves balance + held through authorize and release, giving everything back as one release', () => {
    fc.assert(
      fc.property(authorization, ({ payment: p }) => {
        const release = planRelease(p);
        const effect = applied(planAuthorization(p), release);

        expect(sumsToZero(release)).toBe(true);
        expect(effect('acc_source')).toEqual({ balance: 0n, held: 0n, types: ['hold', 'release'] });
        expect(effect('tech-holds-USD').balance).toBe(0n);
        expect(effect(p.destinationAccountId).balance).toBe(0n);
      }),
    );
  });

  it('refuses to plan a capture that pays out more than the authorization holds', () => {
    const p = payment({ capture: 'manual', amount: 1_000n, fee: 10n });

    expect(() => planCapture(p, { amount: 1_001n, fee: 0n })).toThrow(OverCaptureError);
    expect(() => planCapture(p, { amount: 1_000n, fee: 11n })).toThrow(OverCaptureError);
    expect(planCapture(p, { amount: 1_000n, fee: 10n }).legs.map((leg) => leg.type)).toEqual([
      'transfer',
      'transfer',
      'commission',
      'commission',
    ]);
  });
});

describe('the posting rules of refunds', () => {
  it('moves a refund from the payee back to the payer without a fee, and counts it on the refund tally of its currency', () => {
    fc.assert(
      fc.property(amount, fc.constantFrom('USD', 'JPY', 'BHD'), (value, currency) => {
        const refund = payment({
          type: 'refund',
          sourceAccountId: 'acc_payee',
          destinationAccountId: 'acc_payer',
          amount: value,
          currency,
          fee: 0n,
          refundOf: 'pay_original',
        });
        const { legs, held, tallies } = planProcessing(refund);

        expect(legs.map((leg) => [leg.accountId, leg.amount, leg.type, leg.counterpartyAccountId])).toEqual([
          ['acc_payee', -value, 'refund', 'acc_payer'],
          ['acc_payer', value, 'refund', 'acc_payee'],
        ]);
        expect(held).toEqual([]);
        expect(tallies).toEqual([
          expect.objectContaining({ accountId: `tally-refunds-${currency}`, amount: value, type: 'refund' }),
        ]);
        expect(tallies[0]!.chain).toMatch(new RegExp(`^tally-refunds-${currency}#[0-7]$`));
      }),
    );
  });

  it('counts nothing on a tally for any payment but a refund', () => {
    expect(planProcessing(payment({})).tallies).toEqual([]);
  });
});

describe('assertBalanced', () => {
  const leg = (accountId: string, value: bigint, currency = 'USD'): Leg => ({
    accountId,
    chain: accountId,
    amount: value,
    currency,
    type: 'transfer',
    counterpartyAccountId: 'acc_other',
  });

  it('passes the legs of any planned payment', () => {
    fc.assert(
      fc.property(amount, fc.bigInt({ min: 0n, max: 2n ** 40n }), (value, fee) => {
        expect(() => {
          assertBalanced('pay_1', planLegs(payment({ amount: value, fee })));
        }).not.toThrow();
      }),
    );
  });

  it('throws an internal error naming the currency whose legs do not sum to zero, though another one does', () => {
    const legs = [leg('acc_a', -100n), leg('acc_b', 100n), leg('acc_c', -5n, 'JPY'), leg('acc_d', 4n, 'JPY')];

    expect(() => {
      assertBalanced('pay_1', legs);
    }).toThrow(new UnbalancedLegsError('pay_1', 'JPY', -1n));
    expect(() => {
      assertBalanced('pay_1', legs);
    }).toThrow('The legs of payment pay_1 sum to -1 in JPY, not to zero');
    expect(new UnbalancedLegsError('pay_1', 'JPY', -1n)).not.toBeInstanceOf(DomainError);
  });

  it('throws for a single leg of any non-zero amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), (value) => {
        fc.pre(value !== 0n);
        expect(() => {
          assertBalanced('pay_1', [leg('acc_a', value)]);
        }).toThrow(UnbalancedLegsError);
      }),
    );
  });
});

describe('mayGoNegative', () => {
  it.each(TECHNICAL_PURPOSES)('lets the %s technical account of any currency go below zero', (purpose) => {
    for (const currency of ['USD', 'JPY', 'BHD']) {
      expect(mayGoNegative(newTechnicalAccount(purpose, currency, '2026-01-01T00:00:00.000Z').id)).toBe(true);
    }
  });

  it('never lets a user wallet go below zero', () => {
    expect(mayGoNegative('acc_01jd0000000000000000000a01')).toBe(false);
  });
});
