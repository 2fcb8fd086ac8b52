import { availableParallelism } from 'node:os';

// Tiers as jest projects: `npx jest --selectProjects unit` runs one tier. Tests run as native ES modules (the
// code base and middy are ESM); @swc/jest strips types without the TypeScript API, and `npm run typecheck` checks them.
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' }, sourceMaps: 'inline' },
];

const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  setupFiles: ['<rootDir>/test/support/env.ts'],
  ...extra,
});

export default {
  // At least two workers, one per core on a bigger machine: a file that waits on a real process (a retry schedule, a
  // long poll, a stack starting) leaves its core to the other worker (README, "The test run is shaped for two cores").
  maxWorkers: Math.max(2, availableParallelism()),
  testSequencer: '<rootDir>/jest.sequencer.js',
  projects: [
    project('unit'),
    project('handlers'),
    project('integration', {
      globalSetup: '<rootDir>/test/support/dynamodb-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/hang-guard.ts'],
    }),
    project('e2e', {
      globalSetup: '<rootDir>/test/support/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/e2e-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/hang-guard.ts'],
    }),
    project('infra'),
  ],
};
