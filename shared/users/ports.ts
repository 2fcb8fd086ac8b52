import type { Page, PageRequest } from '../page';
import type { Confirmation, TokenRecord, UserRecord } from './model';

/** What the user use cases need from storage; the DynamoDB adapter implements it. */
export interface UserStore {
  /** Stores a new user; rejects with EmailTakenError when the email is already claimed. */
  insert(user: UserRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Makes the user an admin, verified from then on. */
  makeAdmin(id: string): Promise<void>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  /**
   * Replaces the confirmation in force (so earlier emails stop working) if the user is still unverified and the one
   * in force was sent at `previousSentAt` (none when undefined); false when another came first.
   */
  replaceConfirmation(id: string, confirmation: Confirmation, previousSentAt: string | undefined): Promise<boolean>;
  /**
   * Verifies the user's email if the confirmation in force has this hash and has not expired at `now`, and forgets
   * it, so that a token works once; false otherwise.
   */
  confirm(id: string, hash: string, now: Date): Promise<boolean>;
}

export interface Email {
  to: string;
  subject: string;
  text: string;
}

/** Sends an email; the SES adapter implements it, on AWS and against the local mail catcher. */
export interface Mailer {
  send(email: Email): Promise<void>;
}

/** Failed sign-ins per email, counted in a window that opens with the first failure. */
export interface SignInAttempts {
  /** The failures of the email's window still open at `now`, if any. */
  current(email: string, now: Date): Promise<{ failures: number; windowEndsAt: Date } | undefined>;
  /** Counts a failure in the open window, or opens a window of `windowMs` with it. */
  recordFailure(email: string, now: Date, windowMs: number): Promise<void>;
  clear(email: string): Promise<void>;
}

export interface TokenStore {
  /**
   * Stores the token unless its user already holds `max` tokens live at `now`; false then. Concurrent inserts for one
   * user never take it past `max`.
   */
  insertWithin(token: TokenRecord, max: number, now: Date): Promise<boolean>;
  findById(id: string): Promise<TokenRecord | undefined>;
  /** The tokens of these ids that exist, by id, read together. */
  findMany(ids: readonly string[]): Promise<Map<string, TokenRecord>>;
  /** The user's tokens, oldest first. */
  listByUser(userId: string, page: PageRequest): Promise<Page<TokenRecord>>;
  /** Deletes the token if it belongs to the user; false when there was no such token of theirs. */
  deleteOwned(id: string, userId: string): Promise<boolean>;
  /** Deletes every token of the user; answers the ids of those it deleted. */
  deleteAllOwned(userId: string): Promise<string[]>;
  touch(id: string, at: string): Promise<void>;
}
