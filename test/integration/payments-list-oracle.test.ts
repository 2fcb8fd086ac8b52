import fc from 'fast-check';
import type { Metadata } from '../../shared/metadata';
import { createDeposit, createPayment, type PaymentRequest } from '../../shared/payments/create';
import type { PaymentListQuery } from '../../shared/payments/list';
import {
  type Payment,
  PAYMENT_SORT_FIELDS,
  PAYMENT_STATUSES,
  PAYMENT_TYPES,
  type PaymentSortField,
} from '../../shared/payments/model';
import { processPayment } from '../../shared/payments/process';
import { capturePayment, voidPayment } from '../../shared/payments/authorizations';
import { createRefund } from '../../shared/payments/refunds';
import { RefundExceedsPaymentError } from '../../shared/errors';
import { setRate } from '../../shared/rates/service';
import { systemClock } from '../../shared/clock';
import type { Principal } from '../../shared/users/model';
import { openWallet } from '../../shared/accounts/service';
import { everyPage, ledgerHelpers, operator, usePaymentWorld } from '../support/payments';

const current = usePaymentWorld();
const { newUser } = ledgerHelpers(current);

const METADATA_KEYS = ['orderId', 'channel', 'note'] as const;
const METADATA_VALUES = ['A-1', 'A-2', 'web', 'app', '', 'é 😀'] as const;

/**
 * One step of a history: a payment some user (or the bank) makes, processed at once or left INITIATED; a refund of an
 * earlier transfer; or a transfer authorized, then captured, voided or left AUTHORIZED.
 */
interface Step {
  kind: 'transfer' | 'withdrawal' | 'exchange' | 'deposit' | 'refund' | 'hold';
  /** Picks the wallet (or, for a refund, the earlier payment) the step starts from, modulo what there is. */
  from: number;
  to: number;
  amount: number;
  metadata: Metadata;
  process: boolean;
}

const metadataArbitrary = fc.dictionary(fc.constantFrom(...METADATA_KEYS), fc.constantFrom(...METADATA_VALUES), {
  maxKeys: 3,
});

const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom(
    'transfer',
    'transfer',
    'transfer',
    'withdrawal',
    'exchange',
    'deposit',
    'refund',
    'hold',
    'hold',
  ),
  from: fc.nat(),
  to: fc.nat(),
  // Some exceed what a wallet holds, so that some payments end FAILED.
  amount: fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 20_000, max: 90_000 })),
  metadata: metadataArbitrary,
  process: fc.boolean(),
});

/** A small transfer from the first wallet, which the history funds well enough to cover it. */
const HOLD: Step = { kind: 'hold', from: 0, to: 0, amount: 100, metadata: {}, process: true };

interface History {
  users: Principal[];
  wallets: { id: string; owner: Principal; currency: string }[];
  payments: Payment[];
}

/**
 * A history of payments of every type and status on DynamoDB Local, three users and the bank, with metadata, and
 * payments that give money back along others (`refundOf`): what the lists are checked against, as stored at the end.
 */
const makeHistory = async (steps: Step[]): Promise<History> => {
  const world = current();
  const users = [newUser(), newUser(), newUser()];
  const [ada, bob, carol] = users as [Principal, Principal, Principal];
  await setRate({ rates: world.payments.rates, clock: systemClock }, { base: 'USD', quote: 'EUR' }, '0.9234');
  const plan: [Principal, string][] = [
    [ada, 'USD'],
    [ada, 'USD'],
    [ada, 'EUR'],
    [bob, 'USD'],
    [carol, 'USD'],
    [carol, 'EUR'],
  ];
  const wallets: History['wallets'] = [];
  const ids: string[] = [];
  for (const [owner, currency] of plan) {
    const wallet = await openWallet(world.accounts, owner, { currency });
    wallets.push({ id: wallet.id, owner, currency });
    const funding = { accountId: wallet.id, amount: 50_000, currency, reference: `FUND-${wallet.id}` };
    ids.push((await createDeposit(world.payments, funding)).id);
    await processPayment(world.payments, ids.at(-1) ?? '');
  }
  const pick = <T>(list: readonly T[], index: number): T => list[index % list.length] as T;

  const request = (step: Step): [Principal, PaymentRequest] | undefined => {
    const source = pick(wallets, step.from);
    const { metadata, amount } = step;
    if (step.kind === 'withdrawal') {
      const destination = { method: 'ewallet' as const, reference: `wallet:${step.to}` };
      return [
        source.owner,
        { type: 'withdrawal', sourceAccountId: source.id, amount, currency: source.currency, destination, metadata },
      ];
    }
    const others = wallets.filter((w) => w.id !== source.id);
    if (step.kind === 'exchange') {
      const into = others.find((w) => w.owner === source.owner && w.currency !== source.currency);
      if (source.currency !== 'USD' || !into) return undefined;
      // At least two cents, which convert to at least one at the rate set below.
      const exchanged = Math.max(amount, 2);
      return [
        source.owner,
        { type: 'exchange', sourceAccountId: source.id, destinationAccountId: into.id, amount: exchanged, metadata },
      ];
    }
    const destination = pick(
      others.filter((w) => w.currency === source.currency),
      step.to,
    );
    return [
      source.owner,
      {
        type: 'transfer',
        sourceAccountId: source.id,
        destinationAccountId: destination.id,
        amount,
        currency: source.currency,
        metadata,
      },
    ];
  };

  // A refund of a completed transfer, asked by its payee (from its destination back to its source, without a fee); a
  // refund past what is left of the transfer is refused and makes no payment.
  const transfers: Payment[] = [];
  const refund = async (step: Step): Promise<string | undefined> => {
    const completed = (await Promise.all(transfers.map((t) => world.payments.payments.findById(t.id)))).filter(
      (t): t is Payment => t?.status === 'COMPLETED',
    );
    if (completed.length === 0) return undefined;
    const original = pick(completed, step.from);
    const payee = users.find((user) => user.userId === original.destinationOwnerId) ?? operator;
    const amount = 1 + (step.amount % Number(original.amount));
    try {
      return (await createRefund(world.payments, payee, original.id, { amount, metadata: step.metadata })).id;
    } catch (error) {
      if (error instanceof RefundExceedsPaymentError) return undefined;
      throw error;
    }
  };

  // A transfer with a manual capture: authorized when processed, then left so, captured in part, or voided.
  const settle = async (step: Step, id: string) => {
    const payer = pick(wallets, step.from).owner;
    const authorized = await world.payments.payments.findById(id);
    if (authorized?.status !== 'AUTHORIZED') return;
    if (step.to % 3 === 1) {
      const amount = 1 + (step.to % Number(authorized.amount));
      await capturePayment(world.payments, payer, id, { amount });
    } else if (step.to % 3 === 2) {
      await voidPayment(world.payments, payer, id);
    }
  };

  const paymentOf = async (step: Step): Promise<string | undefined> => {
    if (step.kind === 'refund') return refund(step);
    if (step.kind === 'deposit') {
      const wallet = pick(wallets, step.from);
      const reference = `BANK-${ids.length}-${step.to}`;
      return (
        await createDeposit(world.payments, {
          accountId: wallet.id,
          amount: step.amount,
          currency: wallet.currency,
          reference,
        })
      ).id;
    }
    const made = request(step);
    if (!made) return undefined;
    const [payer, asked] = made;
    const payment = await createPayment(
      world.payments,
      payer,
      step.kind === 'hold' && asked.type === 'transfer' ? { ...asked, capture: 'manual' } : asked,
    );
    if (payment.type === 'transfer') transfers.push(payment);
    return payment.id;
  };

  for (const step of steps) {
    const id = await paymentOf(step);
    if (id === undefined) continue;
    ids.push(id);
    if (step.process) await processPayment(world.payments, id);
    if (step.process && step.kind === 'hold') await settle(step, id);
  }
  const payments = await Promise.all(ids.map((id) => world.payments.payments.findById(id)));
  return { users, wallets, payments: payments.filter((p): p is Payment => p !== undefined) };
};

const visibleTo = (caller: Principal) => (p: Payment) =>
  caller.role === 'admin' ||
  p.sourceOwnerId === caller.userId ||
  (p.destinationOwnerId === caller.userId && p.status !== 'FAILED');

const compareBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ORDERS: Record<PaymentSortField, (a: Payment, b: Payment) => number> = {
  createdAt: (a, b) => compareText(a.createdAt, b.createdAt),
  amount: (a, b) => compareBigint(a.amount, b.amount),
  fee: (a, b) => compareBigint(a.fee, b.fee),
  completedAt: (a, b) => compareText(a.completedAt ?? '', b.completedAt ?? ''),
};

/** What a list must answer, worked out by reading every payment of the history. */
const oracle = (history: History, caller: Principal, query: Omit<PaymentListQuery, 'limit' | 'cursor'>): Payment[] => {
  const { order } = query;
  const listed = history.payments.filter(
    (p) =>
      visibleTo(caller)(p) &&
      (query.status === undefined || p.status === query.status) &&
      (query.type === undefined || p.type === query.type) &&
      (query.accountId === undefined ||
        p.sourceAccountId === query.accountId ||
        p.destinationAccountId === query.accountId) &&
      (query.currency === undefined || p.currency === query.currency) &&
      (query.from === undefined || Date.parse(p.createdAt) >= Date.parse(query.from)) &&
      (query.to === undefined || Date.parse(p.createdAt) <= Date.parse(query.to)) &&
      (query.minAmount === undefined || p.amount >= query.minAmount) &&
      (query.maxAmount === undefined || p.amount <= query.maxAmount) &&
      (query.refundOf === undefined || p.refundOf === query.refundOf) &&
      (query.metadata === undefined || p.metadata?.[query.metadata.key] === query.metadata.value) &&
      (order.field !== 'completedAt' || p.completedAt !== undefined),
  );
  const ascending = (a: Payment, b: Payment) => ORDERS[order.field](a, b) || compareText(a.id, b.id);
  return listed.sort((a, b) => (order.descending ? ascending(b, a) : ascending(a, b)));
};

/** Mostly absent, so that several filters at once still match something. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary, weight: 1 });

const queryArbitrary = (history: History) => {
  const times = history.payments.flatMap((p) => {
    const at = Date.parse(p.createdAt);
    return [at - 1, at, at + 1].map((ms) => new Date(ms).toISOString());
  });
  const refunded = history.payments.flatMap((p) => (p.refundOf ? [p.refundOf] : []));
  const payments = history.payments.map((p) => p.id);
  return fc.record({
    caller: fc.constantFrom(...history.users, operator),
    limit: fc.integer({ min: 1, max: 9 }),
    order: fc.record({ field: fc.constantFrom(...PAYMENT_SORT_FIELDS), descending: fc.boolean() }),
    status: sometimes(fc.constantFrom(...PAYMENT_STATUSES)),
    type: sometimes(fc.constantFrom(...PAYMENT_TYPES)),
    accountId: sometimes(fc.constantFrom(...history.wallets.map((w) => w.id), 'tech-bank-USD', 'tech-withdrawals-USD')),
    currency: sometimes(fc.constantFrom('USD', 'EUR', 'JPY')),
    from: sometimes(fc.constantFrom(...times)),
    to: sometimes(fc.constantFrom(...times)),
    minAmount: sometimes(fc.bigInt({ min: 1n, max: 60_000n })),
    maxAmount: sometimes(fc.bigInt({ min: 1n, max: 60_000n })),
    refundOf: sometimes(fc.constantFrom(...refunded, ...payments)),
    metadata: sometimes(
      fc.record({ key: fc.constantFrom(...METADATA_KEYS), value: fc.constantFrom(...METADATA_VALUES) }),
    ),
  });
};

describe('the list of payments against a brute-force oracle, on DynamoDB Local', () => {
  let history: History;

  beforeAll(async () => {
    const [steps] = fc.sample(fc.array(stepArbitrary, { minLength: 110, maxLength: 110 }), 1);
    // Then one of each way an authorization ends or stays, and a refund, whatever the sample held.
    const tail = [0, 1, 2].map((to): Step => ({ ...HOLD, to }));
    history = await makeHistory([...(steps ?? []), ...tail, { ...HOLD, kind: 'refund' }]);
  }, 120_000);

  it('builds a history with every type, status and sort key in it', () => {
    const seen = (pick: (p: Payment) => string | undefined) => new Set(history.payments.map(pick));

    expect(seen((p) => p.type)).toEqual(new Set(PAYMENT_TYPES));
    expect(seen((p) => p.status)).toEqual(new Set(PAYMENT_STATUSES));
    expect(history.payments.some((p) => p.refundOf !== undefined)).toBe(true);
    expect(history.payments.some((p) => Object.keys(p.metadata ?? {}).length > 0)).toBe(true);
  });

  it('answers every filter and sort, in either direction, page after page, exactly as the oracle does', async () => {
    await fc.assert(
      fc.asyncProperty(queryArbitrary(history), async ({ caller, ...query }) => {
        const pages = await everyPage(current(), caller, query);

        expect(pages.flat().map((p) => p.id)).toEqual(oracle(history, caller, query).map((p) => p.id));
        // The history is far smaller than a page's read budget: no page but the last is short.
        expect(pages.slice(0, -1).every((page) => page.length === query.limit)).toBe(true);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
