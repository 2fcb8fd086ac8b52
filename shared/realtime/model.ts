import type { EventType, PaymentEvent } from '../events/model';
import { paymentView } from '../views';

export interface Connection {
  connectionId: string;
  userId: string;
  /** The token it was opened with: revoking or expiring that token ends the connection. */
  tokenId: string;
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
