import * as z from 'zod/mini';

/** `fee = max(min, fixed + round_half_up(amount * bps / 10000))`, in the source currency's minor units. */
export interface FeeRule {
  bps: number;
  fixed: number;
  min: number;
}

export type FeeKind = 'transfer' | 'exchange' | 'withdrawal' | 'deposit';
export type FeeSchedule = Record<FeeKind, FeeRule>;

export const DEFAULT_FEES: FeeSchedule = {
  transfer: { bps: 100, fixed: 0, min: 0 },
  exchange: { bps: 50, fixed: 0, min: 0 },
  withdrawal: { bps: 150, fixed: 0, min: 0 },
  deposit: { bps: 0, fixed: 0, min: 0 },
};

const ruleSchema = z.strictObject({
  bps: z.int().check(z.minimum(0), z.maximum(10_000)),
  fixed: z.int().check(z.minimum(0)),
  min: z.int().check(z.minimum(0)),
});

/** Operators change fees by configuration (FEE_SCHEDULE, JSON); any kind left out keeps its default. */
export const feeScheduleSchema = z.partial(
  z.strictObject({ transfer: ruleSchema, exchange: ruleSchema, withdrawal: ruleSchema, deposit: ruleSchema }),
);

export const computeFee = (rule: FeeRule, amount: bigint): bigint => {
  // Half up on a non-negative quotient: floor((2 * amount * bps + 10000) / 20000), all in integers.
  const proportional = (2n * amount * BigInt(rule.bps) + 10_000n) / 20_000n;
  const fee = BigInt(rule.fixed) + proportional;
  const min = BigInt(rule.min);
  return fee > min ? fee : min;
};
