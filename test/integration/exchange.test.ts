import { chainsOf } from '../../shared/ledger/chains';
import type { Payment } from '../../shared/payments/model';
import { createPayment, type PaymentRequest } from '../../shared/payments/create';
import { DynamoRateStore } from '../../shared/adapters/rate-store';
import { DynamoAccountStore } from '../../shared/adapters/account-store';
import { setRate } from '../../shared/rates/service';
import { summarize } from '../../shared/reports/service';
import { systemClock } from '../../shared/clock';
import { everyPage, ledgerHelpers, operator, usePaymentWorld } from '../support/payments';

const current = usePaymentWorld();

const { newUser, fundedWallet, chainOf, expectUnbrokenChain, processAll } = ledgerHelpers(current);

const rates = () => new DynamoRateStore(current().db.client, current().db.names.rates);
const reportDeps = () => ({
  accounts: new DynamoAccountStore(current().db.client, current().db.names),
  ledger: current().ledger,
  clock: systemClock,
});

describe('exchange rates on DynamoDB Local', () => {
  it('keeps the latest rate in force whatever order two writes land in, and every rate in the history', async () => {
    const at = (iso: string) => ({ rates: rates(), clock: () => new Date(iso) });
    await setRate(at('2026-03-01T10:00:02.000Z'), { base: 'GBP', quote: 'CHF' }, '1.1205');
    await setRate(at('2026-03-01T10:00:01.000Z'), { base: 'GBP', quote: 'CHF' }, '1.1199');

    expect(await rates().find('GBP', 'CHF')).toEqual({
      base: 'GBP',
      quote: 'CHF',
      rate: '1.1205',
      updatedAt: '2026-03-01T10:00:02.000Z',
    });
    expect(await rates().find('CHF', 'GBP')).toBeUndefined();
    const first = await rates().history('GBP', 'CHF', { limit: 1 });
    expect(first.data.map((rate) => rate.rate)).toEqual(['1.1205']);
    const second = await rates().history('GBP', 'CHF', { limit: 1, cursor: first.nextCursor! });
    expect(second).toEqual({ data: [expect.objectContaining({ rate: '1.1199' })], nextCursor: null });
  });
});

describe('exchanges, withdrawals and the summary on DynamoDB Local', () => {
  it('keeps each currency summing to zero through concurrent exchanges, withdrawals and transfers, and reports them exactly', async () => {
    const start = new Date().toISOString();
    await setRate({ rates: rates(), clock: systemClock }, { base: 'USD', quote: 'EUR' }, '0.923456789012');
    await setRate({ rates: rates(), clock: systemClock }, { base: 'EUR', quote: 'USD' }, '1.0811');
    const owners = Array.from({ length: 5 }, () => newUser());
    const usd = await Promise.all(owners.map((owner) => fundedWallet(owner, 40_000, 'USD')));
    const eur = await Promise.all(owners.map((owner) => fundedWallet(owner, 40_000, 'EUR')));
    const random = (n: number) => Math.floor(Math.random() * n);

    const requests = Array.from({ length: 90 }, (_, i): [number, PaymentRequest] => {
      const from = random(5);
      const to = (from + random(5)) % 5;
      const [source, destination, currency] = random(2) ? [usd, eur, 'USD'] : [eur, usd, 'EUR'];
      const amount = 1 + random(4_000);
      switch (i % 3) {
        case 0:
          return [
            from,
            { type: 'exchange', sourceAccountId: source[from]!.id, destinationAccountId: destination[to]!.id, amount },
          ];
        case 1:
          return [
            from,
            {
              type: 'withdrawal',
              sourceAccountId: source[from]!.id,
              amount,
              currency,
              destination: { method: 'ewallet', reference: `w-${i}` },
            },
          ];
        default:
          return [
            from,
            {
              type: 'transfer',
              sourceAccountId: source[from]!.id,
              destinationAccountId: source[(from + 1) % 5]!.id,
              amount,
              currency,
            },
          ];
      }
    });
    const created = await Promise.all(
      requests.map(([from, request]) => createPayment(current().payments, owners[from]!, request)),
    );

    const outcomes = await processAll(created);

    expect(outcomes.every((o) => o === 'completed' || o === 'failed')).toBe(true);
    const finals = (await Promise.all(created.map((p) => current().payments.payments.findById(p.id)))) as Payment[];
    const completed = finals.filter((p) => p.status === 'COMPLETED');
    expect(completed.filter((p) => p.type === 'exchange').length).toBeGreaterThan(10);

    // Every chain unbroken, no wallet below zero, and each currency summing to zero over all its accounts.
    const totals = new Map<string, bigint>();
    const legs = [];
    const overdrawn = [];
    for (const currency of ['USD', 'EUR']) {
      const wallets = currency === 'USD' ? usd : eur;
      const technical = ['fees', 'bank', 'withdrawals', 'fx'].map((purpose) => ({ id: `tech-${purpose}-${currency}` }));
      for (const chain of [...wallets.flatMap(chainsOf), ...technical.flatMap(chainsOf)]) {
        const operations = await chainOf(chain);
        totals.set(currency, (totals.get(currency) ?? 0n) + expectUnbrokenChain(operations));
        if (!chain.startsWith('tech-')) overdrawn.push(...operations.filter((o) => o.balanceAfter < 0n));
        legs.push(...operations);
      }
    }
    expect(overdrawn).toEqual([]);
    expect(Object.fromEntries(totals)).toEqual({ USD: 0n, EUR: 0n });

    // Each completed exchange: six legs, the payer's fee on its own (four with no fee), summing to zero in each of its two currencies.
    for (const payment of completed.filter((p) => p.type === 'exchange')) {
      const own = legs.filter((o) => o.paymentId === payment.id);
      const sum = (currency: string) =>
        own.filter((o) => o.currency === currency).reduce((total, o) => total + o.amount, 0n);
      expect({
        legs: own.length,
        source: sum(payment.currency),
        destination: sum(payment.destinationCurrency!),
      }).toEqual({
        legs: payment.fee > 0n ? 6 : 4,
        source: 0n,
        destination: 0n,
      });
      expect(
        own.find((o) => o.amount > 0n && o.currency === payment.destinationCurrency && !o.chain.startsWith('tech-'))
          ?.amount,
      ).toBe(payment.destinationAmount);
    }

    // The summary of the period matches what the payments say, currency by currency.
    const everything = [
      ...completed,
      ...(
        await everyPage(current(), operator, {
          type: 'deposit',
          from: start,
          limit: 100,
          order: { field: 'createdAt', descending: false },
        })
      ).flat(),
    ];
    const expected = (currency: string) => {
      const own = everything.filter((p) => p.currency === currency);
      const of = (type: string) => own.filter((p) => p.type === type);
      const sum = (list: Payment[]) => list.reduce((total, p) => total + p.amount, 0n);
      const into = everything.filter((p) => p.type === 'exchange' && p.destinationCurrency === currency);
      return {
        currency,
        commission: own.reduce((total, p) => total + p.fee, 0n),
        deposits: { count: BigInt(of('deposit').length), sum: sum(of('deposit')) },
        withdrawals: { count: BigInt(of('withdrawal').length), sum: sum(of('withdrawal')) },
        refunds: { count: BigInt(of('refund').length), sum: sum(of('refund')) },
        exchanges: {
          count: BigInt(of('exchange').length + into.length),
          sourceSum: sum(of('exchange')),
          destinationSum: into.reduce((total, p) => total + p.destinationAmount!, 0n),
        },
      };
    };
    const summary = await summarize(reportDeps(), { from: start });
    expect(summary.data.filter((row) => row.currency === 'USD' || row.currency === 'EUR')).toEqual([
      expected('EUR'),
      expected('USD'),
    ]);

    // A period that ends before the first payment has nothing in it.
    const empty = await summarize(reportDeps(), { from: '2020-01-01T00:00:00.000Z', to: start });
    expect(empty.data.every((row) => row.deposits.count === 0n && row.exchanges.count === 0n)).toBe(true);
    // A hang guard, not a time budget: idle, about 40 s here; beside other suites on 2 cores, past 120 s.
  }, 300_000);
});
