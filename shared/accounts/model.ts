import type { Metadata } from '../metadata';

export type AccountKind = 'user' | 'technical';
export const TECHNICAL_PURPOSES = ['fees', 'bank', 'withdrawals', 'fx', 'holds'] as const;
export type TechnicalPurpose = (typeof TECHNICAL_PURPOSES)[number];
export const PURPOSES = ['wallet', ...TECHNICAL_PURPOSES] as const;
export type Purpose = (typeof PURPOSES)[number];
export const ACCOUNT_STATUSES = ['active', 'frozen', 'closed'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/**
 * An account as its owner describes it. Its balance is the head of its chain of operations (of its chains' heads, for
 * a sharded account), which the ledger keeps.
 */
export interface AccountRecord {
  id: string;
  kind: AccountKind;
  purpose: Purpose;
  ownerId: string | null;
  currency: string;
  status: AccountStatus;
  name: string | null;
  metadata: Metadata;
  createdAt: string;
  updatedAt: string;
}

/** The fields an account list sorts by. */
export const ACCOUNT_SORT_FIELDS = ['createdAt', 'balance', 'name', 'currency'] as const;
export type AccountSortField = (typeof ACCOUNT_SORT_FIELDS)[number];

/** A user holds at most this many accounts that are not closed. */
export const MAX_OPEN_ACCOUNTS = 100;

/** What an account holds, in minor units: bigints, since a technical account's balance may outgrow 2^53. */
export interface Holdings {
  /** What the account can spend. */
  balance: bigint;
  /** The sum of its open authorizations: taken out of `balance`, not yet captured or released. */
  held: bigint;
}

export interface Account extends AccountRecord, Holdings {}

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
  metadata: {},
  createdAt: at,
  updatedAt: at,
});
