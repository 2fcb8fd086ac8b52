import { interceptLocalhostDns, startFauxqs } from 'fauxqs';
import { LOCAL_REGION } from './dynamodb-local';
import { once } from './helpers';

export interface LocalSqs {
  /** Reachable from anywhere on this machine: for tools and clients given an explicit endpoint. */
  endpoint: string;
  /** The host of the queue URLs, resolvable in this process only: for clients that take their endpoint from env. */
  inProcessEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the fauxqs SQS emulator in this process, on a free port. Its queues live in memory and are made again at each
 * start, which is harmless: SQS is only a trigger, and DynamoDB (persisted) is the source of truth.
 */
export const startSqs = async (): Promise<LocalSqs> => {
  const server = await startFauxqs({ port: 0, logger: false, defaultRegion: LOCAL_REGION });
  // fauxqs names queues `http://sqs.<region>.localhost:<port>/...`, and the SQS client sends each call to its
  // QueueUrl's host unless it was given an explicit endpoint in code (an env var is not enough). Handlers run in this
  // process, so resolving `*.localhost` here lets them use queue URLs unchanged, as they would on AWS.
  const restoreDns = interceptLocalhostDns();
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    inProcessEndpoint: `http://sqs.${LOCAL_REGION}.localhost:${server.port}`,
    stop: once(() => server.stop().finally(restoreDns)),
  };
};
