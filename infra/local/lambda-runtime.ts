import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionName, functions } from '../../functions/manifest';
import { LOCAL_REGION } from './dynamodb-local';
import { describeError, isRecord } from './helpers';

/**
 * The local stack's one Lambda runtime: every trigger (HTTP, WebSocket, queue, stream, schedule) loads the manifest's
 * functions and invokes them through it, with Lambda's semantics where the product depends on them.
 */

export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** Lambda's default timeout, for functions whose manifest entry sets none. */
const DEFAULT_TIMEOUT_SECONDS = 3;

/** The account of every local ARN: fauxqs's, so that queue ARNs and the others agree. */
export const LOCAL_ACCOUNT = '000000000000';

/** A handler ran past its timeout: Lambda would have stopped it and counted the invocation as failed. */
export class InvocationTimeout extends Error {}

/** The context Lambda hands a function: a fresh request id and a deadline `timeoutMs` away. */
export const lambdaContext = (name: string, timeoutMs: number): Context => {
  const deadline = Date.now() + timeoutMs;
  const functionName = `billing-gateway-local-${name}`;
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported locally: return a promise from the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
};

const loaded = new Map<FunctionName, Promise<LambdaHandler>>();

/**
 * A function's handler, from its manifest entry: imported on first use, one module instance for every trigger, and
 * imported again after a failed load, so that fixing the file fixes the running stack.
 */
export const loadHandler = (name: FunctionName): Promise<LambdaHandler> => {
  const cached = loaded.get(name);
  if (cached) return cached;
  const { entry } = functions[name];
  const url = new URL(`../../${entry}`, import.meta.url);
  const loading = import(url.href).then(
    (module: unknown) => {
      const handler = isRecord(module) ? module.handler : undefined;
      if (typeof handler !== 'function') throw new Error(`${entry} (function ${name}) exports no function \`handler\``);
      return handler as LambdaHandler;
    },
    (error: unknown) => {
      throw new Error(
        existsSync(fileURLToPath(url))
          ? `${entry} (function ${name}) failed to load: ${describeError(error)}`
          : `The handler module ${entry} of function ${name} does not exist`,
        { cause: error },
      );
    },
  );
  loading.catch(() => loaded.delete(name));
  loaded.set(name, loading);
  return loading;
};

/**
 * What the runtime publishes on `INVOCATION_CHANNEL`: an invocation starting, and its handler settled, with the time
 * from the call to the settling in milliseconds (what Lambda bills as duration).
 */
export type InvocationRecord =
  | { functionName: FunctionName; phase: 'start' }
  | { functionName: FunctionName; phase: 'end'; ms: number; failed: boolean };

/** The channel of the runtime's invocations, for whoever counts them (the pipeline benchmark's meter). */
export const INVOCATION_CHANNEL = 'billing-gateway:local:invocation';
const invocationChannel = channel(INVOCATION_CHANNEL);

const running = new AsyncLocalStorage<FunctionName>();

/** The function whose invocation the caller runs in (across its awaits), or undefined outside any. */
export const currentFunction = (): FunctionName | undefined => running.getStore();

export interface Invocation {
  outcome: Promise<unknown>;
  settled: Promise<void>;
}

/**
 * Invokes a handler the way Lambda does: a deep copy of the event in, the answer through JSON out (a value JSON cannot
 * carry, such as a bigint, fails the invocation), a context whose deadline is the timeout. Nothing can stop a handler
 * locally: past its timeout `outcome` fails with InvocationTimeout, and `settled` tells when the handler really ended.
 */
export const invoke = <E>(
  handler: (event: E, context: Context) => unknown,
  name: FunctionName,
  event: E,
  timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
): Invocation => {
  const timeoutMs = Math.round(timeoutSeconds * 1000);
  const started = performance.now();
  // Async, so that a handler throwing before its first await fails the invocation like any other error.
  const handling = running.run(
    name,
    async () => await handler(JSON.parse(JSON.stringify(event)) as E, lambdaContext(name, timeoutMs)),
  );
  const settled = Promise.allSettled([handling]);
  if (invocationChannel.hasSubscribers) {
    invocationChannel.publish({ functionName: name, phase: 'start' } satisfies InvocationRecord);
    void settled.then(([{ status }]) => {
      const ms = performance.now() - started;
      const end: InvocationRecord = { functionName: name, phase: 'end', ms, failed: status === 'rejected' };
      invocationChannel.publish(end);
    });
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(reject, timeoutMs, new InvocationTimeout(`${name} timed out after ${timeoutSeconds} s`));
  });
  const outcome = Promise.race([handling, timeout])
    .then((result) => {
      const serialized = JSON.stringify(result) as string | undefined;
      return serialized === undefined ? undefined : (JSON.parse(serialized) as unknown);
    })
    .finally(() => {
      clearTimeout(timer);
    });
  return { outcome, settled: settled.then(() => undefined) };
};
