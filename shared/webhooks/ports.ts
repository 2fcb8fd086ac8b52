import type { Delivery, DeliveryMessage, DeliveryStatus, Webhook } from './model';

export interface WebhookStore {
  create(webhook: Webhook): Promise<void>;
  find(id: string): Promise<Webhook | undefined>;
  /** An owner's endpoints in id (creation) order, strictly after `position`. */
  listByOwner(ownerId: string, page: { limit: number; position?: string | undefined }): Promise<Webhook[]>;
  countByOwner(ownerId: string): Promise<number>;
  delete(id: string): Promise<void>;
  /** The endpoints an event of these users' payments may go to: theirs, and every endpoint that receives all. */
  subscribersOf(userIds: readonly string[]): Promise<Webhook[]>;
  /** Notes a failed delivery; answers when the endpoint's current run of failures began. */
  recordFailure(id: string, at: Date): Promise<string | undefined>;
  /** Notes a delivery that succeeded: the endpoint is failing no more. */
  recordSuccess(id: string): Promise<void>;
  disable(id: string): Promise<void>;
}

export interface DeliveryStore {
  /** Writes a new delivery once; answers the one stored under its id, this one or an earlier one. */
  create(delivery: Delivery): Promise<{ delivery: Delivery; created: boolean }>;
  find(webhookId: string, id: string): Promise<Delivery | undefined>;
  /**
   * Claims the next attempt of a pending delivery: `attempts` goes from `made` to `made + 1` only if it still is `made`,
   * so of two messages for one delivery only one attempts it. `false` when another got there first or it is not pending.
   */
  claim(webhookId: string, id: string, made: number, at: Date): Promise<boolean>;
  /** The outcome of the attempt just claimed. */
  settle(
    webhookId: string,
    id: string,
    outcome: { status: DeliveryStatus; statusCode?: number; error?: string; nextAttemptAt?: string },
  ): Promise<void>;
  /** An endpoint's deliveries in id order, strictly after `position`; reads a bounded number of items. */
  page(
    webhookId: string,
    read: { status?: DeliveryStatus | undefined; limit: number; position?: string | undefined },
  ): Promise<{ deliveries: Delivery[]; resumeAt: string | null }>;
}

/** The delivery queue: a message per attempt to make, which can be held back until the attempt is due. */
export interface DeliveryQueue {
  enqueue(messages: readonly DeliveryMessage[]): Promise<void>;
  /** Hides a received message until its next attempt is due (the queue keeps it; SQS allows up to 12 hours). */
  postpone(receipt: string, seconds: number): Promise<void>;
}

/** An HTTP POST to a receiver: its status code, or why there was none. Never throws for the receiver's faults. */
export interface WebhookSender {
  post(
    url: string,
    request: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<{ statusCode?: number; error?: string }>;
}
