import fc from 'fast-check';
import { chainFor, drawShards, SHARDS } from '../../shared/ledger/chains';
import { MAX_TRANSACTION_ITEMS, transactionItems } from '../../shared/ledger/commitments';
import { planProcessing } from '../../shared/ledger/legs';
import type { ChainHead, Commitment } from '../../shared/ledger/ports';
import type { Payment } from '../../shared/payments/model';
import { type Candidate, firstTransaction, planTogether } from '../../shared/payments/process';
import { samplePayment } from '../support/payment-fixture';

const NOW = new Date('2026-01-01T00:00:01.000Z');

let ids = 0;
const payment = (overrides: Partial<Payment> = {}): Payment =>
  samplePayment({
    id: `pay_01jd00000000000000000${String(++ids).padStart(5, '0')}`,
    status: 'INITIATED',
    sourceAccountId: 'acc_payer',
    destinationAccountId: 'acc_merchant',
    updatedAt: '2026-01-01T00:00:00.000Z',
    completedAt: undefined,
    ...overrides,
  });

const head = (balance: bigint, status: ChainHead['status'] = 'active'): ChainHead => ({
  seq: 1n,
  balance,
  held: 0n,
  input: balance,
  output: 0n,
  credits: 1n,
  createdAt: '2026-01-01T00:00:00.000Z',
  status,
});

const planned = (candidates: Candidate[], pick = drawShards()) =>
  candidates.map((candidate) => ({ candidate, movement: planProcessing(candidate.payment, pick) }));

describe('drawing shards for payments committed together', () => {
  it('appends every payment of a draw to one shard of each technical account, whatever their ids hash to', () => {
    const pick = drawShards();
    const chains = Array.from({ length: 20 }, (_, index) => pick('tech-fees-USD', `pay_${index}`));

    expect(new Set(chains).size).toBe(1);
    expect(chains[0]).toMatch(/^tech-fees-USD#[0-7]$/);
    expect(pick('acc_wallet', 'pay_1')).toBe('acc_wallet');
  });

  it('draws afresh for each attempt, so a retry is not bound to the shard that moved under it', () => {
    const drawn = new Set(Array.from({ length: 200 }, () => drawShards()('tech-fees-USD', 'pay_same')));

    expect(drawn.size).toBeGreaterThan(1);
    expect([...drawn].every((chain) => /^tech-fees-USD#[0-7]$/.test(chain))).toBe(true);
    expect(drawn.size).toBeLessThanOrEqual(SHARDS);
  });

  it("keeps an authorization's hold on the shard its payment hashes to, where its capture or void pays out", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        expect(drawShards()('tech-holds-EUR', id)).toBe(chainFor('tech-holds-EUR', id));
      }),
    );
  });
});

describe('planning payments together', () => {
  it('plans each payment on the heads the ones before it leave, failing the one its source can no longer pay', () => {
    const [first, second, third] = [payment(), payment(), payment({ sourceAccountId: 'acc_other' })];
    const heads = new Map([
      ['acc_payer', head(150n)],
      ['acc_merchant', head(0n)],
      ['acc_other', head(101n)],
    ]);

    const { fails, commits } = planTogether(
      planned([{ payment: first }, { payment: second }, { payment: third }]),
      heads,
      NOW,
    );

    expect(commits.map(({ candidate }) => candidate.payment.id)).toEqual([first.id, third.id]);
    expect(fails).toEqual([{ candidate: { payment: second }, reason: 'insufficient_funds' }]);
    expect(commits.map(({ commitment }) => commitment.transition.payment.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it("lets a payment spend what an earlier one of the batch paid in, never what the wallet's head alone lacks", () => {
    const credit = payment({ sourceAccountId: 'acc_rich', destinationAccountId: 'acc_poor', amount: 500n });
    const spend = payment({ sourceAccountId: 'acc_poor', destinationAccountId: 'acc_merchant', amount: 400n });
    const heads = new Map([
      ['acc_rich', head(1_000n)],
      ['acc_poor', head(0n)],
      ['acc_merchant', head(0n)],
    ]);

    const together = planTogether(planned([{ payment: credit }, { payment: spend }]), heads, NOW);
    const reversed = planTogether(planned([{ payment: spend }, { payment: credit }]), heads, NOW);

    expect(together.fails).toEqual([]);
    expect(reversed.fails.map(({ candidate }) => candidate.payment.id)).toEqual([spend.id]);
  });

  it('claims the push of exactly the payments it is told to, on their transitions', () => {
    const [heard, unheard] = [payment(), payment({ sourceAccountId: 'acc_other' })];
    const heads = new Map([
      ['acc_payer', head(1_000n)],
      ['acc_other', head(1_000n)],
      ['acc_merchant', head(0n)],
    ]);

    const { commits } = planTogether(
      planned([{ payment: heard }, { payment: unheard }]),
      heads,
      NOW,
      (p) => p.id === heard.id,
    );

    expect(commits.map(({ commitment }) => commitment.transition.claimPush ?? false)).toEqual([true, false]);
  });
});

describe('the first transaction of a batch', () => {
  const commitsOf = (payments: Payment[]) => {
    const heads = new Map(
      payments.flatMap((p) => [
        [p.sourceAccountId, head(1_000_000n)],
        [p.destinationAccountId, head(0n)],
      ]),
    );
    return planTogether(planned(payments.map((p) => ({ payment: p }))), heads, NOW).commits;
  };

  it("keeps within DynamoDB's 100 items, in order, leaving the rest for the next round", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), (count, oneMerchant) => {
        const payments = Array.from({ length: count }, (_, index) =>
          payment({
            sourceAccountId: `acc_payer${index}`,
            destinationAccountId: oneMerchant ? 'acc_merchant' : `acc_payee${index}`,
          }),
        );
        const commits = commitsOf(payments);

        const { taken, waiting } = firstTransaction(commits);

        const items = (list: readonly { commitment: Commitment }[]) =>
          transactionItems(list.map(({ commitment }) => commitment));
        expect(items(taken)).toBeLessThanOrEqual(MAX_TRANSACTION_ITEMS);
        expect([...taken, ...waiting]).toEqual(commits);
        // Nothing waits that would have fitted.
        expect(waiting.length === 0 || items([...taken, ...waiting.slice(0, 1)]) > MAX_TRANSACTION_ITEMS).toBe(true);
      }),
    );
  });

  it('counts each chain once, however many payments of the transaction it serves', () => {
    const payments = Array.from({ length: 10 }, (_, index) => payment({ sourceAccountId: `acc_payer${index}` }));
    const commitments: Commitment[] = commitsOf(payments).map(({ commitment }) => commitment);

    // Ten payment updates, ten payers, one merchant, one fee shard, and four operations each.
    expect(transactionItems(commitments)).toBe(10 + 10 + 1 + 1 + 40);
  });

  it('puts two refunds of one original in two transactions, since a transaction writes an item once', () => {
    const original = 'pay_01jd000000000000000000orig';
    const refund = () =>
      payment({
        type: 'refund',
        refundOf: original,
        sourceAccountId: 'acc_merchant',
        destinationAccountId: 'acc_payer',
        fee: 0n,
      });
    const originalPayment = payment({ id: original, status: 'COMPLETED', amount: 1_000n });
    const [first, second] = [refund(), refund()];
    const heads = new Map([
      ['acc_merchant', head(1_000n)],
      ['acc_payer', head(0n)],
    ]);
    const { commits } = planTogether(
      planned([
        { payment: first, original: originalPayment },
        { payment: second, original: originalPayment },
      ]),
      heads,
      NOW,
    );

    const { taken, waiting } = firstTransaction(commits);

    expect(taken.map(({ candidate }) => candidate.payment.id)).toEqual([first.id]);
    expect(waiting.map(({ candidate }) => candidate.payment.id)).toEqual([second.id]);
  });
});
