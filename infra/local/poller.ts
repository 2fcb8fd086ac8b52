import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../../functions/manifest';
import { describeError, isRecord } from './helpers';
import { invoke } from './lambda-runtime';

/**
 * What the local triggers that run on their own (the SQS poller, the stream poller, the schedule) share: error
 * reports, backoff, stopping, and the batch responses of the event source mappings.
 */

export const logToStderr = (error: Error): void => {
  process.stderr.write(`${describeError(error)}\n`);
};

/**
 * Reports failures to `onError`, on one line each, prefixed with what fails; the caller keeps going after one. An
 * `onError` that throws is itself reported on stderr rather than stopping the caller.
 */
export const errorReporter =
  (prefix: string, onError: (error: Error) => void) =>
  (message: string, cause?: unknown): void => {
    try {
      onError(
        cause === undefined
          ? new Error(`${prefix} ${message}`)
          : new Error(`${prefix} ${message}: ${describeError(cause)}`, { cause }),
      );
    } catch (error) {
      logToStderr(error instanceof Error ? error : new Error(String(error)));
    }
  };

/** What a trigger invokes, and where its failures go. */
export interface TriggerOptions<E> {
  handler: (event: E, context: Context) => unknown;
  functionName: FunctionName;
  /** The function's timeout: past it the invocation counts as failed. Lambda's default, 3 s, when omitted. */
  timeoutSeconds?: number;
  /** Each failure, on one line; to stderr by default. Never thrown into the trigger. */
  onError?: (error: Error) => void;
}

const MAX_BACKOFF_MS = 5_000;

const triggers = new AsyncLocalStorage<string>();

/**
 * The trigger whose own work the caller runs in (`payments -> processor`: its receives and deletes, or its reads of a
 * stream), or undefined; an invocation it starts runs in its function's context as well.
 */
export const currentTrigger = (): string | undefined => triggers.getStore();

/**
 * A poller's reports, off switch and pacing: `report` writes failures to `onError`; loops check `isStopping()` and sleep
 * with `pause()`, which `stop()` cuts short, so that stopping never waits out a sleep; `retryIn()` reports a failed
 * poll and answers the pause before the next one, from 100 ms doubling to 5 s until `recovered()`. A loop started with
 * `run()` runs as the trigger `label` (`currentTrigger()`).
 */
export const poller = (prefix: string, onError: (error: Error) => void = logToStderr, label = prefix) => {
  const report = errorReporter(prefix, onError);
  const stopping = new AbortController();
  let backoffMs = 0;
  return {
    report,
    run: <T>(loop: () => Promise<T>): Promise<T> => triggers.run(label, loop),
    isStopping: (): boolean => stopping.signal.aborted,
    // An aborted sleep rejects: here it only ends early.
    pause: (ms: number): Promise<void> => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined),
    retryIn: (what: string, error: unknown): number => {
      backoffMs = Math.min(backoffMs * 2 || 100, MAX_BACKOFF_MS);
      report(`${what} failed, retrying in ${backoffMs} ms`, error);
      return backoffMs;
    },
    recovered: (): void => {
      backoffMs = 0;
    },
    stop: (): void => {
      stopping.abort();
    },
  };
};

/**
 * Invokes a function with a batch under `ReportBatchItemFailures` and answers the ids it reports as failed, with
 * Lambda's rules: no answer, an empty object or a null or empty `batchItemFailures` is a full success; an
 * `itemIdentifier` that is missing or not one of `ids` fails the whole batch, as does an answer of any other shape, a
 * handler that throws or one that times out: the promise rejects then.
 */
export const invokeBatch = async <R>(
  handler: (event: { Records: R[] }, context: Context) => unknown,
  name: FunctionName,
  records: R[],
  ids: string[],
  timeoutSeconds: number | undefined,
): Promise<Set<string>> => {
  const response = await invoke(handler, name, { Records: records }, timeoutSeconds).outcome;
  if (response === undefined || response === null) return new Set();
  if (!isRecord(response)) throw new Error('the response is not an object');
  const failures = response.batchItemFailures ?? [];
  if (!Array.isArray(failures)) throw new Error('batchItemFailures is not an array');
  return new Set(
    failures.map((failure: unknown, index) => {
      const id = isRecord(failure) ? failure.itemIdentifier : undefined;
      if (typeof id !== 'string' || !ids.includes(id)) {
        throw new Error(`batchItemFailures[${index}].itemIdentifier ${String(id)} is not a message of the batch`);
      }
      return id;
    }),
  );
};
