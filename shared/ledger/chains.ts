import { createHash, randomInt } from 'node:crypto';
import { isTechnicalAccountId, technicalAccountId } from '../accounts/model';

/**
 * Every payment in a currency touches a technical account (the fees of every payment, the bank side of every
 * deposit), so one chain of operations per technical account would serialise them all. A technical account is split
 * into shards, each its own chain, and its balance is the sum of its shards. A payment's shard is chosen by a hash of
 * its id, or, by the processor, drawn afresh at each attempt (`drawShards`): any shard will do, since the payment's
 * conditional status, not its shard, makes it happen once. Wallets are one chain each: their balance must be checked
 * against a single head.
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

/** The chain a payment's leg on an account is appended to. */
export type ChainPick = (accountId: string, paymentId: string) => string;

/** The chain a payment's leg on this account is appended to: the shard its id hashes to, for a sharded account. */
export const chainFor: ChainPick = (accountId, paymentId) =>
  isSharded(accountId) ? `${accountId}#${shardOf(paymentId)}` : accountId;

/**
 * One shard of each sharded account, drawn at random on first use and kept: the payments committed together append
 * to the same shard (consecutive sequence numbers in one transaction), and a retry, drawing again, is unlikely to meet
 * the commit that moved its shard. The holds account is the exception: an authorization's hold goes to the shard its
 * payment's id hashes to, from which its capture or void pays out later, so its story on that account is one chain's.
 */
export const drawShards = (): ChainPick => {
  const drawn = new Map<string, string>();
  const holds = technicalAccountId('holds', '');
  return (accountId, paymentId) => {
    if (!isSharded(accountId)) return accountId;
    if (accountId.startsWith(holds)) return chainFor(accountId, paymentId);
    const chain = drawn.get(accountId) ?? `${accountId}#${randomInt(SHARDS)}`;
    drawn.set(accountId, chain);
    return chain;
  };
};

export const feeAccountId = (currency: string): string => technicalAccountId('fees', currency);
