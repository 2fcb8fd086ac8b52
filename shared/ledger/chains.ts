import { createHash } from 'node:crypto';
import { isTechnicalAccountId, technicalAccountId } from '../accounts/model';

/**
 * Every payment in a currency touches a technical account (the fees of every payment, the bank side of every
 * deposit), so one chain of operations per technical account would serialise them all. A technical account is split
 * into shards, each its own chain; a payment's shard is chosen by a hash of its id (so a retry lands on the same
 * shard) and the account's balance is the sum of its shards. Wallets are one chain each: their balance must be
 * checked against a single head.
 */
export const SHARDS = 8;

const TALLY_PREFIX = 'tally-';

/**
 * The tally of the refunds in a currency: sharded chains of no account, one entry per completed refund, whose running
 * volumes give the summary report a period's count and sum of refunds by bisection (refunds between two wallets touch
 * no technical account that could count them).
 */
export const refundTallyId = (currency: string): string => `${TALLY_PREFIX}refunds-${currency}`;

const isSharded = (id: string): boolean => isTechnicalAccountId(id) || id.startsWith(TALLY_PREFIX);

export const chainsOf = (account: { id: string }): string[] =>
  isSharded(account.id) ? Array.from({ length: SHARDS }, (_, shard) => `${account.id}#${shard}`) : [account.id];

const shardOf = (paymentId: string): number => createHash('sha256').update(paymentId).digest().readUInt32BE(0) % SHARDS;

/** The chain a payment's leg on this account is appended to. */
export const chainFor = (accountId: string, paymentId: string): string =>
  isSharded(accountId) ? `${accountId}#${shardOf(paymentId)}` : accountId;

export const feeAccountId = (currency: string): string => technicalAccountId('fees', currency);
