import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { FunctionName } from '../../functions/manifest';
import { DEFAULT_TIMEOUT_SECONDS, startInvocation } from './event-source';
import { describeError } from './poller';

export type ScheduledHandler = (event: ScheduledEvent<Record<string, never>>, context: Context) => unknown;

export interface ScheduleOptions {
  /** The period; the first run is one period after the start, as with an EventBridge rate schedule. */
  everyMs: number;
  handler: ScheduledHandler;
  functionName: FunctionName;
  /** The function's timeout, reported as a failure when a run outlives it. Lambda's default, 3 s, when omitted. */
  timeoutSeconds?: number;
  region?: string;
  /** A failed run; the default writes one line to stderr. */
  onError?: (error: Error) => void;
}

export interface LocalSchedule {
  /** No more runs; resolves once the run in flight, if any, has ended (or timed out). */
  stop(): Promise<void>;
}

// fauxqs's account, so that every ARN of the local stack's events names the same one.
const ACCOUNT = '000000000000';

const logToStderr = (error: Error) => {
  process.stderr.write(`${describeError(error)}\n`);
};

/** An EventBridge Scheduled Event, as a rule with a rate schedule sends it: `time` in whole seconds, no detail. */
export const scheduledEvent = (
  ruleName: string,
  region: string,
  now = new Date(),
): ScheduledEvent<Record<string, never>> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: [`arn:aws:events:${region}:${ACCOUNT}:rule/${ruleName}`],
  detail: {},
});

/**
 * Invokes a handler every `everyMs` with a Scheduled Event, never two runs at once: a tick that finds the previous
 * run still going is skipped (a run that outlives its timeout keeps skipping ticks until it really ends, since nothing
 * can stop it locally). Failures are reported, never thrown.
 */
export const startSchedule = (options: ScheduleOptions): LocalSchedule => {
  const { everyMs, handler, functionName, timeoutSeconds = DEFAULT_TIMEOUT_SECONDS, onError = logToStderr } = options;
  if (!(everyMs > 0) || !Number.isFinite(everyMs)) throw new RangeError(`everyMs must be positive, not ${everyMs}`);
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const ruleName = `billing-gateway-local-${functionName}-schedule`;

  let busy = false;
  let current: Promise<void> | undefined;

  const tick = () => {
    if (busy) return;
    busy = true;
    const invocation = startInvocation(handler, functionName, scheduledEvent(ruleName, region), timeoutSeconds);
    current = invocation.outcome.then(
      () => undefined,
      (error: unknown) => {
        try {
          onError(new Error(`[local schedule] ${functionName} failed: ${describeError(error)}`, { cause: error }));
        } catch (reportError) {
          logToStderr(reportError instanceof Error ? reportError : new Error(String(reportError)));
        }
      },
    );
    void invocation.settled.then(() => {
      busy = false;
    });
  };

  const timer = setInterval(tick, everyMs);
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        await current;
      })()),
  };
};
