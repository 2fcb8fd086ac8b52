// Tiers as jest projects: `npx jest --selectProjects unit` runs one tier. Tests run as native ES modules (the
// code base and middy are ESM); @swc/jest strips types without the TypeScript API, and `npm run typecheck` checks them.
import { availableParallelism } from 'node:os';

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
  // Jest leaves a core free by default, which is one worker on two cores; the run spends much of its time waiting on
  // child processes (DynamoDB Local, the local stacks, Chromium), and a second worker fills the second core.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  projects: [
    project('unit'),
    project('handlers'),
    project('integration', {
      globalSetup: '<rootDir>/test/support/dynamodb-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-global-teardown.ts',
    }),
    project('e2e', {
      globalSetup: '<rootDir>/test/support/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/e2e-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
    }),
    project('infra'),
  ],
};
