import * as z from 'zod/mini';
import { isoTimestampSchema } from './common';

/** A period `[from, to)`; from the beginning, and until now, when left out. */
export const summaryQuery = z.strictObject({
  from: z.optional(isoTimestampSchema),
  to: z.optional(isoTimestampSchema),
});

const tally = z.object({ count: z.int(), sum: z.int() });

export const summarySchema = z.object({
  from: z.string(),
  to: z.string(),
  data: z.array(
    z.object({
      currency: z.string(),
      commission: z.int(),
      deposits: tally,
      withdrawals: tally,
      refunds: tally,
      exchanges: z.object({ count: z.int(), sourceSum: z.int(), destinationSum: z.int() }),
    }),
  ),
});
