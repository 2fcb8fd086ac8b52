import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { FunctionName } from '../../functions/manifest';
import { LOCAL_REGION } from './dynamodb-local';
import { once } from './helpers';
import { DEFAULT_TIMEOUT_SECONDS, invoke, LOCAL_ACCOUNT } from './lambda-runtime';
import { poller } from './poller';

export interface ScheduleOptions {
  /** The period; the first run is one period after the start, as with an EventBridge rate schedule. */
  everyMs: number;
  handler: (event: ScheduledEvent<Record<string, never>>, context: Context) => unknown;
  functionName: FunctionName;
  /** The function's timeout, reported as a failure when a run outlives it. Lambda's default, 3 s, when omitted. */
  timeoutSeconds?: number;
  /** A failed run; the default writes one line to stderr. */
  onError?: (error: Error) => void;
}

/** An EventBridge Scheduled Event, as a rule with a rate schedule sends it: `time` in whole seconds, no detail. */
export const scheduledEvent = (ruleName: string, now = new Date()): ScheduledEvent<Record<string, never>> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: LOCAL_ACCOUNT,
  time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: LOCAL_REGION,
  resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${ruleName}`],
  detail: {},
});

/**
 * Invokes a handler every `everyMs` with a Scheduled Event, never two runs at once: a tick that finds the previous
 * run still going is skipped (a run that outlives its timeout keeps skipping ticks until it really ends, since nothing
 * can stop it locally). Failures are reported, never thrown. `stop()` resolves once the run in flight, if any, has ended
 * (or timed out).
 */
export const startSchedule = (options: ScheduleOptions): { stop(): Promise<void> } => {
  const { everyMs, handler, functionName, timeoutSeconds = DEFAULT_TIMEOUT_SECONDS } = options;
  const ruleName = `billing-gateway-local-${functionName}-schedule`;
  const { report, isStopping, pause, stop } = poller(`[local schedule] ${functionName}`, options.onError);

  let busy = false;
  let current: Promise<void> | undefined;
  const ticking = (async () => {
    while (!isStopping()) {
      await pause(everyMs);
      if (busy || isStopping()) continue;
      busy = true;
      const { outcome, settled } = invoke(handler, functionName, scheduledEvent(ruleName), timeoutSeconds);
      current = outcome.then(
        () => undefined,
        (error: unknown) => {
          report('failed', error);
        },
      );
      void settled.then(() => {
        busy = false;
      });
    }
  })();

  return {
    stop: once(async () => {
      stop();
      await ticking;
      await current;
    }),
  };
};
