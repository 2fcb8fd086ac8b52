import type { LocalStackProcess } from './local-stack';

export default async function teardown(): Promise<void> {
  await (globalThis as { __sharedLocalStack__?: LocalStackProcess }).__sharedLocalStack__?.stop();
}
