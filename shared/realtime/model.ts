import type { EventType, PaymentEvent } from '../events/model';
import { type Payment } from '../payments/model';
import { paymentView } from '../views';

export interface Connection {
  connectionId: string;
  userId: string;
  connectedAt: string;
  /** Epoch seconds: past API Gateway's two-hour limit, when a record whose `$disconnect` never came may go. */
  expiresAt: number;
}

export type ServerMessage =
  | { type: EventType; event: string; payment: ReturnType<typeof paymentView> }
  | { type: 'subscribed'; payment: ReturnType<typeof paymentView> }
  | { type: 'error'; code: string; message: string };

/** The push of an event: the same shape live and when a client resumes. */
export const eventMessage = (event: PaymentEvent): ServerMessage => ({
  type: event.type,
  event: event.id,
  payment: paymentView(event.payment),
});

/** The users a payment concerns: the owners of its two sides, once each. Technical accounts have none. */
export const partiesOf = (payment: Payment): string[] =>
  [...new Set([payment.sourceOwnerId, payment.destinationOwnerId])].filter((id): id is string => id !== undefined);
