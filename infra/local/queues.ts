import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type QueueName, queues } from '../../functions/manifest';

export interface LocalQueue {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export type LocalQueues<K extends string = QueueName> = Record<K, LocalQueue>;

/** The dead-letter queue of queue `name`. */
export const dlqName = (name: string): string => `${name}-dlq`;

const createQueue = async (client: SQSClient, name: string, attributes: Record<string, string> = {}) => {
  const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!url) throw new Error(`CreateQueue ${name} answered no QueueUrl`);
  const request = new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] });
  const arn = (await client.send(request)).Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes of ${name} answered no QueueArn`);
  return { url, arn };
};

/**
 * Creates each queue `<name>` with its dead-letter queue `<name>-dlq`, to which its redrive policy moves a message
 * received `maxReceiveCount` times. CreateQueue is idempotent for identical attributes: running this twice is harmless.
 */
export const createQueues = async <K extends string>(
  client: SQSClient,
  definitions: Readonly<Record<K, { visibilityTimeoutSeconds: number; maxReceiveCount: number }>>,
): Promise<LocalQueues<K>> => {
  const created = {} as LocalQueues<K>;
  for (const name of Object.keys(definitions) as K[]) {
    const definition = definitions[name];
    const dlq = await createQueue(client, dlqName(name));
    const queue = await createQueue(client, name, {
      VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: definition.maxReceiveCount }),
    });
    created[name] = { url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
  }
  return created;
};

/** The manifest's queues and their DLQs; fauxqs keeps queues in memory, so the local stack runs this at each start. */
export const ensureQueues = (client: SQSClient): Promise<LocalQueues> => createQueues(client, queues);

/** The environment a function reads its queue URLs from, as the CDK app sets it: `{ PAYMENTS_QUEUE_URL: url }`. */
export const queueEnv = (urls: Readonly<LocalQueues>): Record<string, string> =>
  Object.fromEntries((Object.keys(queues) as QueueName[]).map((name) => [queues[name].envVar, urls[name].url]));
