import type { TechnicalPurpose } from '../accounts/model';
import type { AccountStore } from '../accounts/ports';
import type { Clock } from '../clock';
import { ValidationError } from '../errors';
import { chainsOf, refundTallyId } from '../ledger/chains';
import type { LedgerReader, Volumes } from '../ledger/ports';

export interface ReportDeps {
  /** The technical accounts name the currencies the gateway has booked money in. */
  accounts: Pick<AccountStore, 'technical'>;
  ledger: Pick<LedgerReader, 'volumesBetween'>;
  clock: Clock;
}

export interface Tally {
  count: bigint;
  sum: bigint;
}

export interface CurrencySummary {
  currency: string;
  /** The fees credited to `tech-fees-<currency>`, in minor units. */
  commission: bigint;
  /** Bank transfers that came in: what `tech-bank-<currency>` paid out to wallets. */
  deposits: Tally;
  /** Money sent out to e-wallets: what `tech-withdrawals-<currency>` took in. */
  withdrawals: Tally;
  /** Refunds completed, of transfers and withdrawals: what the refund tally of the currency counted. */
  refunds: Tally;
  /** Exchanges with this currency on either side; what the desk took in it, and what it paid out in it. */
  exchanges: { count: bigint; sourceSum: bigint; destinationSum: bigint };
}

export interface Summary {
  from: string;
  to: string;
  data: CurrencySummary[];
}

const BEGINNING = new Date(0).toISOString();

const none: Volumes = { count: 0n, credits: 0n, input: 0n, output: 0n };

/**
 * The operator's summary of a period `[from, to)`, per currency, read from the technical accounts, whose chains are
 * the books of the money that crossed the gateway's edge, and from the refund tally of each currency. Each chain
 * carries one kind of operation (the withdrawals account: withdrawals in, their refunds out, told apart by its count
 * of credits) and running volumes, so a period's count is the difference of two sequence numbers and its sum the
 * difference of two volumes, found by bisection at each end: no Scan, and no read of the operations in between,
 * however busy the period.
 */
export const summarize = async (
  deps: ReportDeps,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<Summary> => {
  const from = range.from ?? BEGINNING;
  const to = range.to ?? deps.clock().toISOString();
  if (from > to) throw new ValidationError([{ path: 'from', message: 'must not be after to' }]);

  const accounts = await deps.accounts.technical();
  const currencies = [...new Set(accounts.map((account) => account.currency))].sort();
  const books = [
    ...accounts.map((account) => ({ key: `${account.purpose}-${account.currency}`, id: account.id })),
    ...currencies.map((currency) => ({ key: `refunds-${currency}`, id: refundTallyId(currency) })),
  ];
  const volumes = new Map(
    await Promise.all(
      books.map(async (book) => [book.key, await deps.ledger.volumesBetween(chainsOf(book), from, to)] as const),
    ),
  );
  const of = (purpose: TechnicalPurpose | 'refunds', currency: string): Volumes =>
    volumes.get(`${purpose}-${currency}`) ?? none;
  return {
    from,
    to,
    data: currencies.map((currency) => {
      const [fees, bank, withdrawals, fx, refunds] = (['fees', 'bank', 'withdrawals', 'fx', 'refunds'] as const).map(
        (purpose) => of(purpose, currency),
      ) as [Volumes, Volumes, Volumes, Volumes, Volumes];
      return {
        currency,
        commission: fees.input - fees.output,
        deposits: { count: bank.count, sum: bank.output - bank.input },
        // A withdrawal is a credit of its account; the refund of one, which the e-wallet sent back, a debit.
        withdrawals: { count: withdrawals.credits, sum: withdrawals.input },
        refunds: { count: refunds.count, sum: refunds.input },
        exchanges: { count: fx.count, sourceSum: fx.input, destinationSum: fx.output },
      };
    }),
  };
};
