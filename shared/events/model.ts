import { derivedId } from '../ids';
import { type Payment } from '../payments/model';

/** What integrators are told: one event per state a payment reaches. */
export const EVENT_TYPES = ['payment.authorized', 'payment.completed', 'payment.failed', 'payment.voided'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The one mapping of payment states to event types. A state without an event (INITIATED) tells nobody anything. Keyed
 * by the status as stored, so that states added later (AUTHORIZED, VOIDED) need nothing more here.
 */
const EVENT_TYPE_OF_STATUS: Readonly<Record<string, EventType>> = {
  AUTHORIZED: 'payment.authorized',
  COMPLETED: 'payment.completed',
  FAILED: 'payment.failed',
  VOIDED: 'payment.voided',
};

export const eventTypeOf = (status: string): EventType | undefined => EVENT_TYPE_OF_STATUS[status];

/** Events are kept at least this long (the contract's 30 days); TTL deletes lazily, never early. */
export const EVENT_RETENTION_DAYS = 30;

/** A state a payment reached, with the payment as it was then (owners included, for who may see it). */
export interface PaymentEvent {
  id: string;
  type: EventType;
  /** When the payment reached the state: the instant in the id. */
  createdAt: string;
  payment: Payment;
}

/**
 * The event of the state a payment is in, or nothing for a state without one. Its id is derived from the payment, the
 * state and the moment of the transition (`updatedAt`), so the same transition read twice from the stream is the same
 * event, and event ids sort in the order the payment's states were reached.
 */
export const eventOf = (payment: Payment): PaymentEvent | undefined => {
  const type = eventTypeOf(payment.status);
  if (!type) return undefined;
  const at = new Date(payment.updatedAt);
  return { id: derivedId('evt', at, `${payment.id}#${payment.status}`), type, createdAt: at.toISOString(), payment };
};
