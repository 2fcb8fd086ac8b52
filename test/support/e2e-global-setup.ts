import { SHARED_STACK_ENV, SHARED_STACK_VARIABLE, type SharedStack } from './e2e';
import { type LocalStackProcess, startLocalStackProcess } from './local-stack';

/**
 * One local stack for the end-to-end files that only look at their own users' data (`useSharedLocalStack`): a start
 * and a stop of the whole stack (DynamoDB Local's JVM included) each, rather than one per file. Test workers inherit
 * this process's environment, which says where the stack is.
 */
export default async function setup(): Promise<void> {
  const stack = await startLocalStackProcess(SHARED_STACK_ENV);
  const shared: SharedStack = { baseUrl: stack.baseUrl, wsUrl: stack.wsUrl, startOutput: stack.output() };
  process.env[SHARED_STACK_VARIABLE] = JSON.stringify(shared);
  (globalThis as { __sharedLocalStack__?: LocalStackProcess }).__sharedLocalStack__ = stack;
}
