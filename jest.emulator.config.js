// The integration tier against a single-endpoint AWS emulator (LocalStack, moto_server) at AWS_ENDPOINT_URL, or at the
// per-service AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS: `npm run test:emulator` (test/support/emulator.ts)
// starts moto_server and runs this config when AWS_ENDPOINT_URL is not given. The project is jest.config.js's own
// (same transform, setup files and global setup); the global setup reads `TEST_EMULATOR` and starts nothing then.
import process from 'node:process';
import base from './jest.config.js';

if (!process.env.AWS_ENDPOINT_URL && !(process.env.AWS_ENDPOINT_URL_DYNAMODB && process.env.AWS_ENDPOINT_URL_SQS)) {
  throw new Error(
    'jest.emulator.config.js runs against an emulator: set AWS_ENDPOINT_URL, or run `npm run test:emulator`.',
  );
}

const integration = base.projects.find((project) => project.displayName === 'integration');
if (!integration) throw new Error('jest.config.js has no integration project');

export default {
  ...integration,
  globals: { ...integration.globals, TEST_EMULATOR: true },
  // An emulator answers slower than DynamoDB Local (moto is Python); tests that set their own timeout keep it.
  testTimeout: 30_000,
  // These test the local stack's own emulation of Lambda event sources and API Gateway, not the product's code against
  // AWS APIs: event-source (the SQS event source mapping) and websocket-server (the API Gateway WebSocket API) start
  // their own fauxqs or none, so they would not touch the emulator at all; stream-source (the DynamoDB Streams event
  // source mapping) pins the records of DynamoDB Local's streams, as AWS shapes them (moto's say eventVersion 1.0, not
  // 1.1), and their timing (LocalStack's streams run on Kinesis, later). webhooks runs the notifier and the deliverer
  // behind those two event sources. `npm test` runs all four.
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/integration/event-source\\.test\\.ts$',
    '<rootDir>/test/integration/websocket-server\\.test\\.ts$',
    '<rootDir>/test/integration/stream-source\\.test\\.ts$',
    '<rootDir>/test/integration/webhooks\\.test\\.ts$',
  ],
};
