/** What the local event sources (the SQS poller, the stream poller) share: checks, error reports and stopping. */

/** The message of an error on one line, for logs. */
export const describeError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replace(/\s*\n\s*/g, ' ');

export const logToStderr = (error: Error): void => {
  process.stderr.write(`${describeError(error)}\n`);
};

/** Refuses an option outside the range AWS allows for it, as the event source mapping API would. */
export const checkRange = (name: string, value: number, min: number, max: number, integer = true): void => {
  if (!(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be ${integer ? 'an integer ' : ''}from ${min} to ${max}, not ${value}`);
  }
};

/**
 * Reports a poller's failures to `onError`, each prefixed with what the poller is; a poller keeps going after one.
 * An `onError` that throws is itself reported on stderr rather than stopping the poller.
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

/**
 * A poller's off switch: loops check `isStopping()`, sleep with `pause()` (which `stop()` cuts short) and may race
 * `stopped`, so that stopping never waits out a sleep or a long poll's interval.
 */
export const stopSignal = () => {
  let stopping = false;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const wakers = new Set<() => void>();
  return {
    // A function, so that loops read the flag that stop() sets rather than what TypeScript narrowed it to.
    isStopping: (): boolean => stopping,
    stopped,
    pause: (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        if (stopping) {
          resolve();
          return;
        }
        const wake = () => {
          clearTimeout(timer);
          wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        wakers.add(wake);
      }),
    stop: (): void => {
      stopping = true;
      resolveStopped();
      for (const wake of [...wakers]) wake();
    },
  };
};
