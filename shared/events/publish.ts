import type { Payment } from '../payments/model';
import { notifyEvent, type RealtimeDeps } from '../realtime/service';
import { fanOut, type FanOutDeps } from '../webhooks/service';
import { eventOf } from './model';
import type { EventBus, EventStore } from './ports';

export interface PublishDeps {
  events: Pick<EventStore, 'put'>;
  /** Absent where there is no bus (the local stack). */
  bus: EventBus | undefined;
  fanOut: FanOutDeps;
  realtime: Pick<RealtimeDeps, 'connections' | 'pusher' | 'tokens' | 'clock'>;
}

/**
 * Everything that follows a payment reaching a state: its event written to the log once (a conditional put, so a
 * redelivered stream record writes nothing new), put on the event bus, fanned out to the webhooks that want it, and
 * pushed to the open connections of those who may see it. Each step after the first may run again when a record is
 * redelivered: consumers deduplicate on the event id.
 */
export const publishTransition = async (deps: PublishDeps, payment: Payment) => {
  const event = eventOf(payment);
  if (!event) return undefined;
  const written = await deps.events.put(event);
  await deps.bus?.publish(event);
  const deliveries = await fanOut(deps.fanOut, event);
  const pushed = await notifyEvent(deps.realtime, event);
  return { eventId: event.id, type: event.type, written, deliveries, ...pushed };
};
