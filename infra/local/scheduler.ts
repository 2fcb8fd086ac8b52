import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { LOCAL_REGION } from './dynamodb-local';
import { once } from './helpers';
import { invoke, LOCAL_ACCOUNT } from './lambda-runtime';
import { poller, type TriggerOptions } from './poller';

export interface ScheduleOptions extends TriggerOptions<ScheduledEvent<Record<string, never>>> {
  /** The period; the first run is one period after the start, as with an EventBridge rate schedule. */
  everyMs: number;
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
 * Invokes a handler every `everyMs` with a Scheduled Event, never two runs at once: a tick that finds the previous run
 * still going is skipped (nothing can stop a run locally, even past its timeout). Failures are reported, never thrown.
 * `stop()` resolves once the run in flight, if any, has ended (or timed out).
 */
export const startSchedule = (options: ScheduleOptions): { stop(): Promise<void> } => {
  const { everyMs, handler, functionName, timeoutSeconds } = options;
  const ruleName = `billing-gateway-local-${functionName}-schedule`;
  const { report, isStopping, pause, stop } = poller(`[local schedule] ${functionName}`, options.onError);

  let busy = false;
  let current: Promise<unknown> | undefined;
  const ticking = (async () => {
    while (!isStopping()) {
      await pause(everyMs);
      if (busy || isStopping()) continue;
      busy = true;
      const { outcome, settled } = invoke(handler, functionName, scheduledEvent(ruleName), timeoutSeconds);
      current = outcome.catch((error: unknown) => {
        report('failed', error);
      });
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
