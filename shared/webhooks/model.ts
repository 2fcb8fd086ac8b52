import type { EventType, PaymentEvent } from '../events/model';
import { derivedId } from '../ids';

export type WebhookStatus = 'enabled' | 'disabled';

export interface Webhook {
  id: string;
  ownerId: string;
  /** `all` for an operator's endpoint, which receives every event; `own` for a user's, which receives what it may see. */
  scope: 'own' | 'all';
  url: string;
  events: EventType[];
  description: string;
  status: WebhookStatus;
  /** `whsec_` + base64 of the HMAC key: Standard Webhooks' format. */
  secret: string;
  createdAt: string;
  /** The first failure of the endpoint's current run of failures; absent once a delivery succeeds. */
  failingSince?: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  webhookId: string;
  id: string;
  eventId: string;
  paymentId: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  /** When the next attempt is due, while the delivery is pending. */
  nextAttemptAt?: string;
  createdAt: string;
}

/** What the delivery queue carries: which delivery to attempt. DynamoDB holds its state. */
export interface DeliveryMessage {
  webhookId: string;
  deliveryId: string;
  /** To keep the events of one payment to one endpoint in order within a batch. */
  paymentId: string;
  eventId: string;
}

/** At most this many endpoints per owner: every event is fanned out to each of them. */
export const MAX_WEBHOOKS_PER_OWNER = 20;

/**
 * Standard Webhooks' retry schedule: the delay before each retry after the attempt before it (5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h, about 28 hours in all). A delivery makes one attempt more than the schedule has entries.
 */
export const STANDARD_RETRY_SCHEDULE_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** A receiver answers within this, or the attempt failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** An endpoint that has failed every delivery for this long is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/** Deliveries are kept as long as the events they carry, and a little more than their retries last. */
export const DELIVERY_RETENTION_DAYS = 30;

export interface DeliveryPolicy {
  /** Seconds before each retry; its length is the number of retries. */
  retrySchedule: readonly number[];
  timeoutMs: number;
  disableAfterMs: number;
}

export const STANDARD_DELIVERY_POLICY: DeliveryPolicy = {
  retrySchedule: STANDARD_RETRY_SCHEDULE_SECONDS,
  timeoutMs: DELIVERY_TIMEOUT_MS,
  disableAfterMs: DISABLE_AFTER_MS,
};

/** The delay before the retry that follows attempt number `attempts` (1 for the first), or none when it was the last. */
export const retryDelaySeconds = (
  policy: Pick<DeliveryPolicy, 'retrySchedule'>,
  attempts: number,
): number | undefined => (attempts >= 1 ? policy.retrySchedule[attempts - 1] : undefined);

/** A 2xx answer delivers; anything else, or no answer in time, is a failed attempt. */
export const isDelivered = (statusCode: number | undefined): boolean =>
  statusCode !== undefined && statusCode >= 200 && statusCode < 300;

/** Whether an endpoint should be disabled: it has failed every delivery since `failingSince`, for long enough. */
export const failedTooLong = (
  policy: Pick<DeliveryPolicy, 'disableAfterMs'>,
  failingSince: string,
  now: Date,
): boolean => now.getTime() - Date.parse(failingSince) >= policy.disableAfterMs;

/** Whether an endpoint wants an event now: enabled, and subscribed to its type. */
export const wants = (webhook: Webhook, event: PaymentEvent): boolean =>
  webhook.status === 'enabled' && webhook.events.includes(event.type);

/** The one delivery of an event to an endpoint: its id is derived from both, and sorts by the event's time. */
export const newDelivery = (webhook: Webhook, event: PaymentEvent, now: Date): Delivery => ({
  webhookId: webhook.id,
  id: derivedId('dlv', new Date(event.createdAt), `${webhook.id}#${event.id}`),
  eventId: event.id,
  paymentId: event.payment.id,
  status: 'pending',
  attempts: 0,
  nextAttemptAt: now.toISOString(),
  createdAt: now.toISOString(),
});
