import { type FauxqsServer, interceptLocalhostDns, startFauxqs } from 'fauxqs';

export interface LocalSqs {
  /** Reachable from anywhere on this machine: for tools and clients given an explicit endpoint. */
  endpoint: string;
  /** The host of the queue URLs, resolvable in this process only: for clients that take their endpoint from env. */
  inProcessEndpoint: string;
  port: number;
  /** The emulator itself, to create queues without a round trip or inspect them in tests. */
  server: FauxqsServer;
  stop(): Promise<void>;
}

/**
 * Starts the fauxqs SQS emulator in this process. Its state lives in memory only: queues are recreated at each start,
 * which is harmless because SQS is only a trigger and DynamoDB (persisted) is the source of truth.
 */
export const startSqs = async (options: { port?: number; region?: string } = {}): Promise<LocalSqs> => {
  const region = options.region ?? 'us-east-1';
  const server = await startFauxqs({ port: options.port ?? 0, logger: false, defaultRegion: region });
  // fauxqs names queues `http://sqs.<region>.localhost:<port>/...`, and the SQS client sends each call to its
  // QueueUrl's host (warning each time it differs from the endpoint) unless it was given an explicit endpoint in code;
  // an env var is not enough. Handlers run in this process, so resolving `*.localhost` here lets them use queue URLs
  // unchanged, as they would on AWS.
  const restoreDns = interceptLocalhostDns();
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    inProcessEndpoint: `http://sqs.${region}.localhost:${server.port}`,
    port: server.port,
    server,
    stop: () =>
      (stopped ??= server.stop().finally(() => {
        restoreDns();
      })),
  };
};
