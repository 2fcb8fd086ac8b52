export type PaymentType = 'transfer' | 'deposit' | 'withdrawal' | 'exchange';
export type PaymentStatus = 'INITIATED' | 'COMPLETED' | 'FAILED';
export type FailureReason = 'insufficient_funds' | 'expired';

export interface WithdrawalDestination {
  method: 'ewallet';
  reference: string;
}

export interface Payment {
  id: string;
  type: PaymentType;
  status: PaymentStatus;
  sourceAccountId: string;
  destinationAccountId: string;
  /** Minor units of `currency`, debited from the source on top of `fee`. */
  amount: bigint;
  currency: string;
  fee: bigint;
  description?: string;
  /** The bank's id of a deposit. */
  reference?: string;
  /** Where a withdrawal sends the money: the e-wallet and its reference there. */
  destination?: WithdrawalDestination;
  /** An exchange's credit, in minor units of `destinationCurrency`, fixed with `rate` when the payment is created. */
  destinationAmount?: bigint;
  destinationCurrency?: string;
  /** The rate of `currency` in `destinationCurrency` an exchange used, as the rate table held it. */
  rate?: string;
  failureReason?: FailureReason;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  /** Who may read it besides admins: the owners of either side (absent for technical accounts). */
  sourceOwnerId?: string;
  destinationOwnerId?: string;
}

export const isFinal = (status: PaymentStatus): boolean => status !== 'INITIATED';
