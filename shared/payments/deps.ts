import type { AccountStore } from '../accounts/ports';
import type { Clock } from '../clock';
import type { Ledger } from '../ledger/ports';
import type { RateStore } from '../rates/ports';
import type { FeeSchedule } from './fees';
import type { IdempotencyStore, PaymentQueue, PaymentStore } from './ports';

/** What the payment use cases (create, list, process, sweep) work with; each takes only the part it needs. */
export interface PaymentDeps {
  accounts: AccountStore;
  payments: PaymentStore;
  claims: IdempotencyStore;
  ledger: Ledger;
  queue: PaymentQueue;
  /** Exchanges are priced at the rate in force when they are created. */
  rates: RateStore;
  fees: FeeSchedule;
  clock: Clock;
  /** Told when the queue could not take a payment: it stays INITIATED and the sweeper re-drives it. */
  onEnqueueFailure?: (paymentId: string, error: unknown) => void;
}
