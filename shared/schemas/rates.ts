import * as z from 'zod/mini';
import { rateProblem } from '../money/rates';
import { currencySchema, pageQueryShape } from './common';

/** `PUT /v1/admin/rates/{base}/{quote}`: the price of one `base` in `quote`, as a decimal string. */
export const rateBody = z.strictObject({
  rate: z.string().check(
    z.superRefine((text, context) => {
      const problem = rateProblem(text);
      if (problem !== undefined) context.issues.push({ code: 'custom', message: problem, input: text });
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
