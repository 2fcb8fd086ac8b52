import type { TechnicalPurpose } from '../accounts/model';
import type { AccountStore } from '../accounts/ports';
import type { Clock } from '../clock';
import { ValidationError } from '../errors';
import { chainsOf } from '../ledger/chains';
import type { LedgerReader, Volumes } from '../ledger/ports';

export interface ReportDeps {
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
  /** Exchanges with this currency on either side; what the desk took in it, and what it paid out in it. */
  exchanges: { count: bigint; sourceSum: bigint; destinationSum: bigint };
}

export interface Summary {
  from: string;
  to: string;
  data: CurrencySummary[];
}

const BEGINNING = new Date(0).toISOString();

const none: Volumes = { count: 0n, input: 0n, output: 0n };

/**
 * The operator's summary of a period `[from, to)`, per currency, read from the technical accounts, whose chains are
 * the books of the money that crossed the gateway's edge. Each technical chain carries one kind of operation and running
 * volumes, so a period's count is the difference of two sequence numbers and its sum the difference of two volumes,
 * found by bisection at each end: no Scan, and no read of the operations in between, however busy the period.
 */
export const summarize = async (
  deps: ReportDeps,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<Summary> => {
  const from = range.from ?? BEGINNING;
  const to = range.to ?? deps.clock().toISOString();
  if (from > to) throw new ValidationError([{ path: 'from', message: 'must not be after to' }]);

  const accounts = await deps.accounts.technical();
  const volumes = new Map(
    await Promise.all(
      accounts.map(
        async (account) =>
          [
            `${account.purpose}-${account.currency}`,
            await deps.ledger.volumesBetween(chainsOf(account), from, to),
          ] as const,
      ),
    ),
  );
  const of = (purpose: TechnicalPurpose, currency: string): Volumes => volumes.get(`${purpose}-${currency}`) ?? none;
  const currencies = [...new Set(accounts.map((account) => account.currency))].sort();
  return {
    from,
    to,
    data: currencies.map((currency) => {
      const [fees, bank, withdrawals, fx] = (['fees', 'bank', 'withdrawals', 'fx'] as const).map((purpose) =>
        of(purpose, currency),
      ) as [Volumes, Volumes, Volumes, Volumes];
      return {
        currency,
        commission: fees.input - fees.output,
        deposits: { count: bank.count, sum: bank.output - bank.input },
        withdrawals: { count: withdrawals.count, sum: withdrawals.input - withdrawals.output },
        exchanges: { count: fx.count, sourceSum: fx.input, destinationSum: fx.output },
      };
    }),
  };
};
