import * as z from 'zod/mini';
import { DEFAULT_FEES, type FeeSchedule, feeScheduleSchema } from '../../shared/payments/fees';
import { settings } from '../manifest';

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
  FEE_SCHEDULE: z.optional(z.pipe(json, feeScheduleSchema)),
  SWEEP_REDRIVE_AFTER_SECONDS: seconds(60),
  SWEEP_EXPIRE_AFTER_SECONDS: seconds(300),
  [settings.tokenLifetimeDays.envVar]: z._default(
    z.pipe(z.string().check(z.regex(/^[1-9][0-9]{0,3}$/)), z.transform(Number)),
    settings.tokenLifetimeDays.fallback,
  ),
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
  fees: { ...DEFAULT_FEES, ...parsed.data.FEE_SCHEDULE } satisfies FeeSchedule,
  sweep: {
    redriveAfterMs: parsed.data.SWEEP_REDRIVE_AFTER_SECONDS * 1000,
    expireAfterMs: parsed.data.SWEEP_EXPIRE_AFTER_SECONDS * 1000,
    batchSize: 100,
  },
  tokenLifetimeMs: parsed.data[settings.tokenLifetimeDays.envVar] * 24 * 60 * 60 * 1000,
};
