import { createRequire } from 'node:module';

// The default sequencer is CommonJS; its class is the module's `default`.
const { default: TestSequencer } = createRequire(import.meta.url)('@jest/test-sequencer');

/**
 * Files that keep a core busy longest, first: jest orders by the last run's durations when it has them, and otherwise
 * by file size, which puts the storm of 200 concurrent transfers (a small file) near the end of a fresh machine's run,
 * where it ran alone on one core for a minute while the other core had nothing left to do.
 */
const LONGEST = [
  'test/integration/payments-process.test.ts',
  'test/e2e/access-matrix.test.ts',
  'test/integration/exchange.test.ts',
];

export default class LongestFirst extends TestSequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (test) => {
      const index = LONGEST.findIndex((path) => test.path.endsWith(path));
      return index === -1 ? LONGEST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep jest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
