import { type Payment, paymentView } from '../payments/model';

export interface Connection {
  connectionId: string;
  userId: string;
  connectedAt: string;
  /** Epoch seconds: past API Gateway's two-hour limit, when a record whose `$disconnect` never came may go. */
  expiresAt: number;
}

export type ServerMessage =
  | { type: 'payment.completed' | 'payment.failed'; payment: ReturnType<typeof paymentView> }
  | { type: 'subscribed'; payment: ReturnType<typeof paymentView> }
  | { type: 'error'; code: string; message: string };

/** The message that tells a payment's parties its final state, or nothing while it is not final. */
export const outcomeMessage = (payment: Payment): ServerMessage | undefined =>
  payment.status === 'COMPLETED'
    ? { type: 'payment.completed', payment: paymentView(payment) }
    : payment.status === 'FAILED'
      ? { type: 'payment.failed', payment: paymentView(payment) }
      : undefined;

/** The users a payment concerns: the owners of its two sides, once each. Technical accounts have none. */
export const partiesOf = (payment: Payment): string[] =>
  [...new Set([payment.sourceOwnerId, payment.destinationOwnerId])].filter((id): id is string => id !== undefined);
