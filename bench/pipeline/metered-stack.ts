import { runLocalStack } from '../../infra/local/run';
import { startMeter } from './meter';

/** The local stack as `npm start` runs it, with the meter in front of DynamoDB Local: what the benchmark measures. */
await runLocalStack({ dynamodbProxy: startMeter });
