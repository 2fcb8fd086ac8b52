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

const TECHNICAL_PREFIX = 'tech-';

/** A technical account's id is stable and readable: `tech-fees-USD`. */
export const technicalAccountId = (purpose: TechnicalPurpose, currency: string): string =>
  `${TECHNICAL_PREFIX}${purpose}-${currency}`;

/** Technical accounts, and only they, have ids of the form `technicalAccountId` makes. */
export const isTechnicalAccountId = (id: string): boolean => id.startsWith(TECHNICAL_PREFIX);

/**
 * The one rule of who may go below zero: technical accounts, which mirror the outside world (`tech-bank-<CUR>` goes
 * negative by every deposit it pays). A user wallet never may (invariant 4). Decided by the id, so the funds check
 * needs no read of the account.
 */
export const mayGoNegative = (accountId: string): boolean => isTechnicalAccountId(accountId);

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
