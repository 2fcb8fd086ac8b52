import type { Clock } from '../clock';
import { LimitReachedError, NotFoundError } from '../errors';
import type { EventType, PaymentEvent } from '../events/model';
import { viewersOf } from '../payments/model';
import type { EventStore } from '../events/ports';
import { newId } from '../ids';
import { stringify } from '../json';
import type { Page } from '../page';
import { positionCursor, readPositionCursor } from '../position-cursor';
import type { Principal } from '../users/model';
import {
  type Delivery,
  type DeliveryMessage,
  type DeliveryPolicy,
  type DeliveryStatus,
  failedTooLong,
  isDelivered,
  MAX_WEBHOOKS_PER_OWNER,
  newDelivery,
  retryDelaySeconds,
  type Webhook,
  wants,
} from './model';
import type { DeliveryQueue, DeliveryStore, WebhookSender, WebhookStore } from './ports';
import { newWebhookSecret, signedHeaders } from './signature';
import { checkWebhookUrl, type UrlPolicy } from './url';
import { eventView } from '../views';

export interface WebhookDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryStore;
  clock: Clock;
  urlPolicy: UrlPolicy;
}

export interface WebhookRequest {
  url: string;
  events: EventType[];
  description?: string | undefined;
}

/** Registers an endpoint; the answer carries its signing secret, which is never shown again. */
export const createWebhook = async (
  deps: WebhookDeps,
  caller: Principal,
  request: WebhookRequest,
): Promise<Webhook> => {
  const url = checkWebhookUrl(request.url, deps.urlPolicy);
  if ((await deps.webhooks.countByOwner(caller.userId)) >= MAX_WEBHOOKS_PER_OWNER) {
    throw new LimitReachedError(`A user holds at most ${MAX_WEBHOOKS_PER_OWNER} webhook endpoints; delete one first.`);
  }
  const webhook: Webhook = {
    id: newId('whk'),
    ownerId: caller.userId,
    scope: caller.role === 'admin' ? 'all' : 'own',
    url,
    events: [...new Set(request.events)],
    description: request.description ?? '',
    status: 'enabled',
    secret: newWebhookSecret(),
    createdAt: deps.clock().toISOString(),
  };
  await deps.webhooks.create(webhook);
  return webhook;
};

export const listWebhooks = async (
  deps: Pick<WebhookDeps, 'webhooks'>,
  caller: Principal,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<Webhook>> => {
  const position = page.cursor === undefined ? undefined : readPositionCursor(page.cursor, 'id');
  const found = await deps.webhooks.listByOwner(caller.userId, { limit: page.limit + 1, position });
  const data = found.slice(0, page.limit);
  const last = data.at(-1);
  return { data, nextCursor: found.length > page.limit && last ? positionCursor('id', last.id) : null };
};

/** The caller's own endpoint; anyone else's is as absent as one that does not exist. */
const ownWebhook = async (deps: Pick<WebhookDeps, 'webhooks'>, caller: Principal, id: string): Promise<Webhook> => {
  const webhook = await deps.webhooks.find(id);
  if (!webhook || webhook.ownerId !== caller.userId) throw new NotFoundError('webhook', id);
  return webhook;
};

/** Removes an endpoint: nothing more is delivered to it, including the retries still due. */
export const deleteWebhook = async (deps: Pick<WebhookDeps, 'webhooks'>, caller: Principal, id: string) => {
  await ownWebhook(deps, caller, id);
  await deps.webhooks.delete(id);
};

export const listDeliveries = async (
  deps: Pick<WebhookDeps, 'webhooks' | 'deliveries'>,
  caller: Principal,
  webhookId: string,
  query: { status?: DeliveryStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<Delivery>> => {
  await ownWebhook(deps, caller, webhookId);
  const position = query.cursor === undefined ? undefined : readPositionCursor(query.cursor, 'id');
  const { deliveries, resumeAt } = await deps.deliveries.page(webhookId, {
    status: query.status,
    limit: query.limit,
    position,
  });
  return { data: deliveries, nextCursor: resumeAt === null ? null : positionCursor('id', resumeAt) };
};

export interface FanOutDeps {
  webhooks: Pick<WebhookStore, 'subscribersOf'>;
  deliveries: Pick<DeliveryStore, 'create'>;
  queue: Pick<DeliveryQueue, 'enqueue'>;
  clock: Clock;
}

/**
 * Creates the delivery of an event to every endpoint that wants it now (the endpoints of the users who may see its
 * payment, and every operator's), and queues their first attempts. Done again for the same event (a redelivered stream
 * record), it creates nothing new and queues again only what was never attempted: at least once, never a second
 * retry chain, since an attempt is claimed on the delivery itself.
 */
export const fanOut = async (
  deps: FanOutDeps,
  event: PaymentEvent,
  /** The endpoints of a batch's audience, read once for all its events; those of this event's audience are read else. */
  subscribers?: readonly Webhook[],
): Promise<number> => {
  const viewers = viewersOf(event.payment);
  const audience =
    subscribers?.filter((webhook) => webhook.scope === 'all' || viewers.includes(webhook.ownerId)) ??
    (await deps.webhooks.subscribersOf(viewers));
  const endpoints = audience.filter((w) => wants(w, event));
  const now = deps.clock();
  const due = await Promise.all(
    endpoints.map(async (webhook) => {
      const { delivery, created } = await deps.deliveries.create(newDelivery(webhook, event, now));
      return created || (delivery.status === 'pending' && delivery.attempts === 0) ? [delivery] : [];
    }),
  );
  const messages = due.flat().map(
    (delivery): DeliveryMessage => ({
      webhookId: delivery.webhookId,
      deliveryId: delivery.id,
      paymentId: delivery.paymentId,
      eventId: delivery.eventId,
    }),
  );
  if (messages.length > 0) await deps.queue.enqueue(messages);
  return messages.length;
};

export interface DeliverDeps {
  webhooks: Pick<WebhookStore, 'find' | 'recordFailure' | 'recordSuccess' | 'disable'>;
  deliveries: Pick<DeliveryStore, 'find' | 'claim' | 'settle'>;
  events: Pick<EventStore, 'find'>;
  sender: WebhookSender;
  queue: Pick<DeliveryQueue, 'postpone'>;
  clock: Clock;
  policy: DeliveryPolicy;
}

export type AttemptOutcome =
  | { result: 'delivered' | 'failed' | 'skipped'; statusCode?: number }
  | { result: 'retry'; afterSeconds: number; statusCode?: number };

/** How long a message waits for an attempt that is not due yet; a second at least, SQS's unit. */
const secondsUntil = (due: string, now: Date): number =>
  Math.max(1, Math.ceil((Date.parse(due) - now.getTime()) / 1000));

const attemptOnce = async (deps: DeliverDeps, webhook: Webhook, delivery: Delivery, now: Date) => {
  const event = await deps.events.find(delivery.eventId);
  if (!event) return { error: 'The event is no longer kept.' };
  const body = stringify(eventView(event));
  return deps.sender.post(webhook.url, {
    headers: signedHeaders(webhook.secret, event.id, now, body),
    body,
    timeoutMs: deps.policy.timeoutMs,
  });
};

/**
 * Makes the attempt a delivery message stands for, if it is due and still wanted: a POST of the signed event, claimed on
 * the delivery first so that duplicate messages make one attempt. A 2xx delivers; anything else is retried after the
 * policy's next delay (the message is held back in the queue until then), and after the last retry the delivery is
 * `failed`. An endpoint that has failed every delivery for the policy's span is disabled, and nothing more is attempted
 * for a disabled or deleted endpoint.
 */
export const attemptDelivery = async (deps: DeliverDeps, message: DeliveryMessage): Promise<AttemptOutcome> => {
  const now = deps.clock();
  const [delivery, webhook] = await Promise.all([
    deps.deliveries.find(message.webhookId, message.deliveryId),
    deps.webhooks.find(message.webhookId),
  ]);
  if (!delivery || delivery.status !== 'pending' || !webhook) return { result: 'skipped' };
  if (webhook.status === 'disabled') {
    await deps.deliveries.settle(webhook.id, delivery.id, { status: 'failed', error: 'The endpoint is disabled.' });
    return { result: 'failed' };
  }
  // A duplicate message, or one that came back before its time: it waits for the attempt that is due.
  if (delivery.nextAttemptAt !== undefined && Date.parse(delivery.nextAttemptAt) > now.getTime() + 1000) {
    return { result: 'retry', afterSeconds: secondsUntil(delivery.nextAttemptAt, now) };
  }
  if (!(await deps.deliveries.claim(webhook.id, delivery.id, delivery.attempts, now))) return { result: 'skipped' };
  const attempts = delivery.attempts + 1;
  const { statusCode, error } = await attemptOnce(deps, webhook, delivery, now);
  const answered = statusCode === undefined ? {} : { statusCode };

  if (isDelivered(statusCode)) {
    await deps.deliveries.settle(webhook.id, delivery.id, { status: 'delivered', ...answered });
    if (webhook.failingSince !== undefined) await deps.webhooks.recordSuccess(webhook.id);
    return { result: 'delivered', ...answered };
  }
  const reason = error ?? `The endpoint answered ${String(statusCode)}.`;
  const failingSince = (await deps.webhooks.recordFailure(webhook.id, now)) ?? now.toISOString();
  const disable = failedTooLong(deps.policy, failingSince, now);
  if (disable) await deps.webhooks.disable(webhook.id);
  const delay = disable ? undefined : retryDelaySeconds(deps.policy, attempts);
  if (delay === undefined) {
    await deps.deliveries.settle(webhook.id, delivery.id, { status: 'failed', error: reason, ...answered });
    return { result: 'failed', ...answered };
  }
  const nextAttemptAt = new Date(now.getTime() + delay * 1000).toISOString();
  await deps.deliveries.settle(webhook.id, delivery.id, {
    status: 'pending',
    error: reason,
    nextAttemptAt,
    ...answered,
  });
  return { result: 'retry', afterSeconds: delay, ...answered };
};

/**
 * One message of the delivery queue: the attempt it stands for, then, when another is due later, the message held back
 * in the queue until then. Answers whether the queue should keep the message.
 */
export const handleDeliveryMessage = async (deps: DeliverDeps, message: DeliveryMessage, receipt: string) => {
  const outcome = await attemptDelivery(deps, message);
  if (outcome.result === 'retry') await deps.queue.postpone(receipt, outcome.afterSeconds);
  return outcome;
};
