import type { PerTransfer } from './figures';

/**
 * What a million transfers would cost on AWS in us-east-1, from the counts measured per transfer and the public
 * prices below (on-demand, standard tiers, no free tier), as of the date on each. Prices change: the pages cited are
 * the reference.
 */

export interface Price {
  what: string;
  /** Dollars per unit. */
  dollars: number;
  unit: string;
  /** The price as the page states it. */
  stated: string;
  source: string;
}

export const PRICES = {
  lambdaRequest: {
    what: 'Lambda requests',
    dollars: 0.2 / 1e6,
    unit: 'request',
    stated: '$0.20 per million requests',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmGbSecond: {
    what: 'Lambda duration, arm64, first 7.5 billion GB-s a month',
    dollars: 0.0000133334,
    unit: 'GB-s',
    stated: '$0.0000133334 per GB-second',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  httpApiRequest: {
    what: 'API Gateway HTTP API requests, first 300 million a month (512 KB each)',
    dollars: 1.0 / 1e6,
    unit: 'request',
    stated: '$1.00 per million requests',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  websocketMessage: {
    what: 'API Gateway WebSocket messages, first billion a month (32 KB each)',
    dollars: 1.0 / 1e6,
    unit: 'message',
    stated: '$1.00 per million messages',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  writeRequestUnit: {
    what: 'DynamoDB on-demand write request units (standard table class)',
    dollars: 0.625 / 1e6,
    unit: 'WRU',
    stated: '$0.625 per million write request units',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  readRequestUnit: {
    what: 'DynamoDB on-demand read request units (standard table class)',
    dollars: 0.125 / 1e6,
    unit: 'RRU',
    stated: '$0.125 per million read request units',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  sqsRequest: {
    what: 'SQS standard queue requests, past the first million a month (64 KB each)',
    dollars: 0.4 / 1e6,
    unit: 'request',
    stated: '$0.40 per million requests',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  eventBridgeEvent: {
    what: 'EventBridge custom events put on a bus (64 KB each)',
    dollars: 1.0 / 1e6,
    unit: 'event',
    stated: '$1.00 per million events',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  logIngestion: {
    what: 'CloudWatch Logs ingestion, standard log class',
    dollars: 0.5,
    unit: 'GB',
    stated: '$0.50 per GB',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  xrayTrace: {
    what: 'X-Ray traces recorded',
    dollars: 5.0 / 1e6,
    unit: 'trace',
    stated: '$5.00 per million traces',
    source: 'https://aws.amazon.com/xray/pricing/',
  },
} as const satisfies Record<string, Price>;

/** Every function runs with 1024 MB (infra/constructs/function.ts). */
const MEMORY_GB = 1;
/**
 * What one invocation writes to CloudWatch Logs, estimated: Lambda's START, END and REPORT lines (about 300 bytes)
 * and, for the processor and the notifier, one INFO line of Powertools JSON per payment (about 400 bytes), the level
 * the stack deploys with.
 */
const PLATFORM_LOG_BYTES = 300;
const INFO_LINE_BYTES = 400;
const LOGGED_PER_PAYMENT = new Set(['processor', 'notifier']);
/** X-Ray's default sampling rule: the first request each second, then 5 % of the rest. */
const XRAY_SAMPLED = 0.05;

export interface CostLine {
  component: string;
  perTransfer: string;
  price: Price;
  /** Dollars per million transfers. */
  perMillion: number;
}

/** A component's line: `quantity` shown in `unit`, `billed` in the price's own unit (the quantity, by default). */
const line = (component: string, quantity: number, unit: string, price: Price, billed = quantity): CostLine => ({
  component,
  perTransfer: `${quantity.toFixed(quantity < 10 ? 2 : 1)} ${unit}`,
  price,
  perMillion: billed * price.dollars * 1e6,
});

/**
 * The cost lines of one transfer, from what it costs under load and (for Lambda's duration) one at a time: locally,
 * the invocations of a loaded run share one process and its two cores, so their durations overlap and tell nothing.
 * One at a time, each transfer is one invocation of every function, so the batching of the processor and the
 * notifier under load is not counted in their favour: an upper bound. Then the
 * HTTP API request, the WebSocket pushes, DynamoDB's request units (write units counted per item, as AWS bills a
 * transaction), the payments queue's requests, the event on the bus, the logs and the traces. Reads of the payments
 * table's stream by the notifier's trigger are free; webhook deliveries are not counted (no endpoint is registered).
 */
export const costLines = (measured: PerTransfer, alone: PerTransfer): CostLine[] => {
  const invocations = measured.lambda.reduce((sum, load) => sum + load.invocations, 0);
  const gbSeconds = alone.lambda.reduce((sum, load) => sum + (load.ms / 1000) * MEMORY_GB, 0);
  const sqs = Object.values(measured.sqs).reduce((sum, requests) => sum + requests, 0);
  const logged = measured.lambda.filter((load) => LOGGED_PER_PAYMENT.has(load.functionName)).length;
  const logGb = (invocations * PLATFORM_LOG_BYTES + logged * INFO_LINE_BYTES) / 1024 ** 3;
  const httpRequests = 1;
  return [
    line('Lambda requests', invocations, 'invocations', PRICES.lambdaRequest),
    line('Lambda duration', gbSeconds, 'GB-s', PRICES.lambdaArmGbSecond),
    line('HTTP API', httpRequests, 'request', PRICES.httpApiRequest),
    line('WebSocket pushes', measured.pushes, 'messages', PRICES.websocketMessage),
    line('DynamoDB writes (indexes included)', measured.dynamodb.writeUnitsPerItem, 'WRU', PRICES.writeRequestUnit),
    line('DynamoDB reads', measured.dynamodb.readUnits, 'RRU', PRICES.readRequestUnit),
    line('SQS (payments queue)', sqs, 'requests', PRICES.sqsRequest),
    line('EventBridge', 1, 'event', PRICES.eventBridgeEvent),
    line('CloudWatch Logs (estimated)', logGb * 1024 ** 2, 'KB', PRICES.logIngestion, logGb),
    line('X-Ray (5 % sampled)', XRAY_SAMPLED, 'traces', PRICES.xrayTrace),
  ];
};
