import * as z from 'zod/mini';
import { DEFAULT_FEES, type FeeSchedule, feeScheduleSchema } from '../../shared/payments/fees';
import { TEST_SCRYPT_PARAMS } from '../../shared/security/passwords';
import { STANDARD_DELIVERY_POLICY } from '../../shared/webhooks/model';
import { environment, settings } from '../manifest';

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

// SQS holds a message back for at most 12 hours, so no retry may wait longer.
const retrySchedule = z.pipe(
  z.pipe(
    z
      .string()
      .check(z.regex(/^[0-9]{1,5}(,[0-9]{1,5}){0,19}$/, { message: 'is not a comma-separated list of seconds' })),
    z.transform((text) => text.split(',').map(Number)),
  ),
  z.array(z.int().check(z.minimum(1), z.maximum(43_200))),
);

const envSchema = z.object({
  [environment.feeSchedule]: z.optional(z.pipe(json, feeScheduleSchema)),
  [environment.sweepRedriveAfterSeconds]: seconds(60),
  [environment.sweepExpireAfterSeconds]: seconds(300),
  [environment.webhookRetrySchedule]: z.optional(retrySchedule),
  [environment.webhookDisableAfter]: seconds(STANDARD_DELIVERY_POLICY.disableAfterMs / 1000),
  [environment.webhookAllowLoopback]: z.optional(z.enum(['true', 'false'])),
  [environment.webhookLoopbackOnly]: z.optional(z.enum(['true', 'false'])),
  [environment.eventBus]: z.optional(z.string().check(z.minLength(1))),
  [environment.testPasswordHashing]: z.optional(z.enum(['fast'])),
  [settings.tokenLifetimeDays.envVar]: z._default(
    z.pipe(z.string().check(z.regex(/^[1-9][0-9]{0,3}$/)), z.transform(Number)),
    settings.tokenLifetimeDays.fallback,
  ),
});

/**
 * Operator settings, read from `env`. A bad value stops the function at start-up, where it is seen at deploy time,
 * rather than answering requests with a wrong fee.
 */
export const readConfig = (env: Record<string, string | undefined>) => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  const { data } = parsed;
  // The Lambda runtime sets AWS_EXECUTION_ENV; the local stack and the tests do not.
  const fastHashing = data[environment.testPasswordHashing] === 'fast';
  if (fastHashing && env.AWS_EXECUTION_ENV !== undefined) {
    throw new Error(`Invalid configuration: ${environment.testPasswordHashing} is for test stacks, never on Lambda`);
  }
  return {
    fees: { ...DEFAULT_FEES, ...data[environment.feeSchedule] } satisfies FeeSchedule,
    sweep: {
      redriveAfterMs: data[environment.sweepRedriveAfterSeconds] * 1000,
      expireAfterMs: data[environment.sweepExpireAfterSeconds] * 1000,
      batchSize: 100,
    },
    webhooks: {
      delivery: {
        ...STANDARD_DELIVERY_POLICY,
        retrySchedule: data[environment.webhookRetrySchedule] ?? STANDARD_DELIVERY_POLICY.retrySchedule,
        disableAfterMs: data[environment.webhookDisableAfter] * 1000,
      },
      urlPolicy: {
        allowLoopback: data[environment.webhookAllowLoopback] === 'true',
        loopbackOnly: data[environment.webhookLoopbackOnly] === 'true',
      },
    },
    /** The stack's EventBridge bus, or none (the local stack). */
    eventBusName: data[environment.eventBus],
    tokenLifetimeMs: data[settings.tokenLifetimeDays.envVar] * 24 * 60 * 60 * 1000,
    /** The scrypt cost of new password hashes on a test stack; OWASP's (`SCRYPT_PARAMS`) everywhere else. */
    passwordParams: fastHashing ? TEST_SCRYPT_PARAMS : undefined,
  };
};

/** This function's settings, read once per cold start. */
export const config = readConfig(process.env);
