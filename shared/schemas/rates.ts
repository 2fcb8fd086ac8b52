import * as z from 'zod/mini';
import { MAX_RATE_LENGTH, RATE_PATTERN, rateProblem } from '../money/rates';
import { currencySchema, pageQueryShape } from './common';

/** `PUT /v1/admin/rates/{base}/{quote}`: the price of one `base` in `quote`, as a decimal string. */
export const rateBody = z.strictObject({
  rate: z.string().check(
    z.maxLength(MAX_RATE_LENGTH, { error: `must be at most ${MAX_RATE_LENGTH} characters`, abort: true }),
    z.regex(new RegExp(RATE_PATTERN), {
      error: (issue) => (typeof issue.input === 'string' ? rateProblem(issue.input) : undefined),
    }),
  ),
});

export const ratePairParams = z.object({ base: currencySchema, quote: currencySchema });

export const rateListQuery = z.strictObject({
  ...pageQueryShape,
  base: z.optional(currencySchema),
  quote: z.optional(currencySchema),
});

export const rateSchema = z.object({
  base: z.string(),
  quote: z.string(),
  rate: z.string(),
  updatedAt: z.string(),
});

export const rateHistoryQuery = z.strictObject({ ...pageQueryShape });
