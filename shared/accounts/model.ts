export type AccountKind = 'user' | 'technical';
export type TechnicalPurpose = 'fees' | 'bank' | 'withdrawals' | 'fx';
export type Purpose = 'wallet' | TechnicalPurpose;
export type AccountStatus = 'active' | 'closed';

export const TECHNICAL_PURPOSES: readonly TechnicalPurpose[] = ['fees', 'bank', 'withdrawals', 'fx'];

/** An account as stored: its balance is not stored with it, but is the head of its chain of operations. */
export interface AccountRecord {
  id: string;
  kind: AccountKind;
  purpose: Purpose;
  ownerId: string | null;
  currency: string;
  status: AccountStatus;
  name: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Account extends AccountRecord {
  /** Minor units. A bigint: a technical account's balance may outgrow 2^53 over the years. */
  balance: bigint;
}

/** A technical account's id is stable and readable: `tech-fees-USD`. */
export const technicalAccountId = (purpose: TechnicalPurpose, currency: string): string =>
  `tech-${purpose}-${currency}`;

/** Only user wallets must never go below zero; technical accounts mirror the outside world. */
export const mayGoNegative = (account: Pick<Account, 'kind'>): boolean => account.kind === 'technical';

export const newTechnicalAccount = (purpose: TechnicalPurpose, currency: string, at: string): AccountRecord => ({
  id: technicalAccountId(purpose, currency),
  kind: 'technical',
  purpose,
  ownerId: null,
  currency,
  status: 'active',
  name: `${purpose} (${currency})`,
  createdAt: at,
  updatedAt: at,
});
