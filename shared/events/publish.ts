import type { Payment } from '../payments/model';
import { viewersOf } from '../payments/model';
import { findAudience, notifyEvent, pushEvents, type RealtimeDeps } from '../realtime/service';
import type { Webhook } from '../webhooks/model';
import { fanOut, type FanOutDeps } from '../webhooks/service';
import { eventOf, type PaymentEvent } from './model';
import type { EventBus, EventStore } from './ports';

export interface PublishDeps {
  events: Pick<EventStore, 'put' | 'pushedOf'>;
  /** Absent where there is no bus (the local stack). */
  bus: EventBus | undefined;
  fanOut: FanOutDeps;
  realtime: Pick<RealtimeDeps, 'connections' | 'pusher' | 'tokens' | 'clock'>;
  /**
   * How long after a transition the writer that claimed its push may still be making it: past the processor's
   * timeout, when no invocation of it can still be running.
   */
  pushLeaseMs: number;
  /** Waits between two looks at whether a claimed push was made. */
  pause: (ms: number) => Promise<void>;
}

/** A state a payment reached, as the stream tells it, and whether the writer of the transition claimed its push. */
export interface Reached {
  payment: Payment;
  pushClaimed: boolean;
}

/** What publishing a batch of transitions reads once for all of them. */
export interface BatchLookups {
  /** The batch's events stored already, and whether each was stored as pushed. */
  stored: Map<string, boolean>;
  /** The webhook endpoints of everyone who may see a payment of the batch, operators' included. */
  subscribers: Webhook[];
}

// How often a notifier looks again for the push a writer claimed; the writer records it milliseconds after it.
const CLAIM_POLL_MS = 100;

/** Reads, for a batch of transitions, which of their events are stored and every endpoint that may want them. */
export const lookUpBatch = async (deps: PublishDeps, reached: readonly Reached[]): Promise<BatchLookups> => {
  const events = reached.flatMap(({ payment }) => eventOf(payment) ?? []);
  if (events.length === 0) return { stored: new Map(), subscribers: [] };
  const [stored, subscribers] = await Promise.all([
    deps.events.pushedOf(events.map((event) => event.id)),
    deps.fanOut.webhooks.subscribersOf(events.flatMap((event) => viewersOf(event.payment))),
  ]);
  return { stored, subscribers };
};

/**
 * Whether the writer that claimed an event's push recorded it, looking again until the claim's lease ends: true once
 * it has, undefined when the lease ended without it (the writer died first, and the push is the notifier's to make).
 */
const claimedPushMade = async (deps: PublishDeps, event: PaymentEvent): Promise<true | undefined> => {
  const deadline = Date.parse(event.createdAt) + deps.pushLeaseMs;
  while (deps.realtime.clock().getTime() < deadline) {
    await deps.pause(CLAIM_POLL_MS);
    if ((await deps.events.pushedOf([event.id])).get(event.id) === true) return true;
  }
  return undefined;
};

/**
 * Everything that follows a payment reaching a state: its event written to the log once (a conditional put, so a
 * redelivered stream record writes nothing new), put on the event bus, fanned out to the webhooks that want it, and
 * pushed to the open connections of those who may see it, unless the writer of the transition pushed it already: a
 * writer that claimed the push (the processor) stores the event as pushed once it has pushed it, and is waited for
 * within its lease. Each step after the first may run again when a record is redelivered: consumers deduplicate on
 * the event id.
 */
export const publishTransition = async (
  deps: PublishDeps,
  { payment, pushClaimed }: Reached,
  lookups: BatchLookups,
) => {
  const event = eventOf(payment);
  if (!event) return undefined;
  let pushed = lookups.stored.get(event.id);
  if (pushed === undefined && pushClaimed) pushed = await claimedPushMade(deps, event);
  let written = false;
  if (pushed === undefined) {
    written = await deps.events.put(event);
    // Stored meanwhile: by the writer that claimed the push, once it pushed, or by an earlier delivery of the record.
    if (!written) pushed = (await deps.events.pushedOf([event.id])).get(event.id);
  }
  await deps.bus?.publish(event);
  const deliveries = await fanOut(deps.fanOut, event, lookups.subscribers);
  const pushes = pushed === true ? { sent: 0, gone: 0 } : await notifyEvent(deps.realtime, event);
  return { eventId: event.id, type: event.type, written, deliveries, pushedByWriter: pushed === true, ...pushes };
};

export interface PushNowDeps {
  events: Pick<EventStore, 'putPushed'>;
  realtime: Pick<RealtimeDeps, 'connections' | 'pusher' | 'tokens' | 'clock'>;
}

/**
 * The pushes of the states a writer reached and claimed, made at once rather than through the stream: each event to
 * the served connections of those who may see it (the audience found beforehand, or now), then the events pushed
 * without a failure stored as pushed, which the notifier finds. A connection found gone is left to `$disconnect` and
 * to its TTL: this writer forgets none. Answers how many pushes were sent and the events left to the notifier.
 */
export const pushNow = async (
  deps: PushNowDeps,
  payments: readonly Payment[],
  audience?: Awaited<ReturnType<typeof findAudience>>,
) => {
  const events = payments.flatMap((payment) => eventOf(payment) ?? []);
  if (events.length === 0) return { sent: 0, left: [] };
  const found =
    audience ??
    (await findAudience(
      deps.realtime,
      events.flatMap((event) => viewersOf(event.payment)),
    ));
  const report = await pushEvents(deps.realtime, events, found, { forget: false });
  const failed = new Set(report.failed.map(({ eventId }) => eventId));
  await deps.events.putPushed(events.filter((event) => !failed.has(event.id)));
  return { sent: report.sent, left: [...failed] };
};
