import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

// SendMessageBatch takes at most ten entries.
const BATCH = 10;

/** Sends one message per body, ten to a request; a message SQS refuses fails the whole call. */
export const sendInBatches = async (client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> => {
  for (let start = 0; start < bodies.length; start += BATCH) {
    const chunk = bodies.slice(start, start + BATCH);
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (out.Failed && out.Failed.length > 0) {
      throw new Error(
        `SQS refused ${out.Failed.length} of ${chunk.length} messages: ${out.Failed[0]?.Code ?? 'unknown'}`,
      );
    }
  }
};
