/**
 * Every view in one place: what the API, the WebSocket, webhooks and the event bus show of a domain record. Fields the
 * contract does not name (owners, index keys, secrets) never leave through here.
 */
import type { Account } from './accounts/model';
import type { PaymentEvent } from './events/model';
import type { Operation } from './ledger/ports';
import type { Page } from './page';
import type { Payment } from './payments/model';
import type { ExchangeRate } from './rates/model';
import type { TokenRecord } from './users/model';
import type { Delivery, Webhook } from './webhooks/model';

/** The public shape of an account: exactly the contract's fields, in its order. */
export const accountView = (account: Account) => ({
  id: account.id,
  kind: account.kind,
  purpose: account.purpose,
  ownerId: account.ownerId,
  currency: account.currency,
  balance: account.balance,
  held: account.held,
  status: account.status,
  name: account.name,
  metadata: account.metadata,
  createdAt: account.createdAt,
  updatedAt: account.updatedAt,
});

/** The public shape of an operation: a sharded account's operations carry the account's id, not the shard's. */
export const operationView = (operation: Operation) => ({
  id: operation.id,
  accountId: operation.accountId,
  paymentId: operation.paymentId,
  type: operation.type,
  amount: operation.amount,
  currency: operation.currency,
  balanceAfter: operation.balanceAfter,
  counterpartyAccountId: operation.counterpartyAccountId,
  createdAt: operation.createdAt,
});

/** The public shape of a payment: the contract's fields, never the owners it is indexed by. */
export const paymentView = (payment: Payment) => ({
  id: payment.id,
  type: payment.type,
  status: payment.status,
  sourceAccountId: payment.sourceAccountId,
  destinationAccountId: payment.destinationAccountId,
  amount: payment.amount,
  currency: payment.currency,
  fee: payment.fee,
  ...(payment.destinationAmount === undefined ? {} : { destinationAmount: payment.destinationAmount }),
  ...(payment.destinationCurrency === undefined ? {} : { destinationCurrency: payment.destinationCurrency }),
  ...(payment.rate === undefined ? {} : { rate: payment.rate }),
  ...(payment.destination === undefined ? {} : { destination: { ...payment.destination } }),
  ...(payment.description === undefined ? {} : { description: payment.description }),
  ...(payment.reference === undefined ? {} : { reference: payment.reference }),
  capture: payment.capture,
  ...(payment.authorizedAt === undefined ? {} : { authorizedAt: payment.authorizedAt }),
  ...(payment.authorizationExpiresAt === undefined ? {} : { authorizationExpiresAt: payment.authorizationExpiresAt }),
  ...(payment.capturedAmount === undefined ? {} : { capturedAmount: payment.capturedAmount }),
  ...(payment.refundOf === undefined ? {} : { refundOf: payment.refundOf }),
  refundedAmount: payment.refundedAmount,
  ...(payment.failureReason === undefined ? {} : { failureReason: payment.failureReason }),
  ...(payment.voidReason === undefined ? {} : { voidReason: payment.voidReason }),
  metadata: { ...payment.metadata },
  createdAt: payment.createdAt,
  updatedAt: payment.updatedAt,
  ...(payment.completedAt === undefined ? {} : { completedAt: payment.completedAt }),
});

/** The public shape of an event, as the API lists it and webhooks and the event bus carry it. */
export const eventView = (event: PaymentEvent) => ({
  id: event.id,
  type: event.type,
  createdAt: event.createdAt,
  data: { payment: paymentView(event.payment) },
});

export const rateView = (rate: ExchangeRate) => ({
  base: rate.base,
  quote: rate.quote,
  rate: rate.rate,
  updatedAt: rate.updatedAt,
});

/** The public shape of an endpoint: never its secret. */
export const webhookView = (webhook: Webhook) => ({
  id: webhook.id,
  url: webhook.url,
  events: [...webhook.events],
  description: webhook.description,
  status: webhook.status,
  createdAt: webhook.createdAt,
});

export const deliveryView = (delivery: Delivery) => ({
  id: delivery.id,
  eventId: delivery.eventId,
  status: delivery.status,
  attempts: delivery.attempts,
  ...(delivery.lastStatusCode === undefined ? {} : { lastStatusCode: delivery.lastStatusCode }),
  ...(delivery.lastError === undefined ? {} : { lastError: delivery.lastError }),
  ...(delivery.nextAttemptAt === undefined ? {} : { nextAttemptAt: delivery.nextAttemptAt }),
  createdAt: delivery.createdAt,
});

export const tokenView = ({ id, name, createdAt, expiresAt, lastUsedAt }: TokenRecord) => ({
  id,
  name,
  createdAt,
  expiresAt,
  ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
});

export const pageView = <T, V>({ data, nextCursor }: Page<T>, view: (item: T) => V) => ({
  data: data.map(view),
  nextCursor,
});
