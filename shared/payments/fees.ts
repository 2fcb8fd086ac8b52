import * as z from 'zod/mini';

/** `fee = max(min, fixed + round_half_up(amount * bps / 10000))`, in the source currency's minor units. */
export interface FeeRule {
  bps: number;
  fixed: number;
  min: number;
}

export type FeeKind = 'transfer' | 'exchange' | 'withdrawal' | 'deposit';
export type FeeSchedule = Record<FeeKind, FeeRule>;

/**
 * The minimum a rule charges when it does not say: 1 minor unit wherever the rule charges anything at all, so that
 * splitting a payment into tiny ones never escapes the fee.
 */
export const defaultMin = ({ bps, fixed }: Pick<FeeRule, 'bps' | 'fixed'>): number => (bps > 0 || fixed > 0 ? 1 : 0);

const rule = (bps: number, fixed = 0): FeeRule => ({ bps, fixed, min: defaultMin({ bps, fixed }) });

export const DEFAULT_FEES: FeeSchedule = {
  transfer: rule(100),
  exchange: rule(50),
  withdrawal: rule(150),
  deposit: rule(0),
};

const ruleSchema = z.pipe(
  z.strictObject({
    bps: z.int().check(z.minimum(0), z.maximum(10_000)),
    fixed: z.int().check(z.minimum(0)),
    min: z.optional(z.int().check(z.minimum(0))),
  }),
  z.transform(({ bps, fixed, min }): FeeRule => ({ bps, fixed, min: min ?? defaultMin({ bps, fixed }) })),
);

/**
 * Operators change fees by configuration (FEE_SCHEDULE, JSON); any kind left out keeps its default, and a rule without
 * `min` gets the default minimum.
 */
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
