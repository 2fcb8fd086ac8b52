import { audienceOf, type Payment, paymentView } from '../payments/model';

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

/** The users told of a payment: those who may see it (a FAILED one, its payer only). */
export const partiesOf = (payment: Payment): string[] => audienceOf(payment);
