import * as z from 'zod/mini';
import { DEFAULT_FEES, type FeeSchedule, feeScheduleSchema } from '../../shared/payments/fees';
import { environment } from '../manifest';

const seconds = (fallback: number) =>
  z._default(z.pipe(z.string().check(z.regex(/^[0-9]{1,7}$/)), z.transform(Number)), fallback);

const json = z.pipe(
  z.string(),
  z.transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.issues.push({ code: 'custom', message: 'is not JSON', input: text });
      return z.NEVER;
    }
  }),
);

const envSchema = z.object({
  [environment.feeSchedule]: z.optional(z.pipe(json, feeScheduleSchema)),
  [environment.sweepRedriveAfterSeconds]: seconds(60),
  [environment.sweepExpireAfterSeconds]: seconds(300),
});

/**
 * Operator settings, parsed once per cold start. A bad value stops the function at start-up, where it is seen at
 * deploy time, rather than answering requests with a wrong fee.
 */
const parsed = envSchema.safeParse(process.env);
if (!parsed.success) {
  throw new Error(
    `Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
  );
}

export const config = {
  fees: { ...DEFAULT_FEES, ...parsed.data[environment.feeSchedule] } satisfies FeeSchedule,
  sweep: {
    redriveAfterMs: parsed.data[environment.sweepRedriveAfterSeconds] * 1000,
    expireAfterMs: parsed.data[environment.sweepExpireAfterSeconds] * 1000,
    batchSize: 100,
  },
};
