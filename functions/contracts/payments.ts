import { feeScheduleView } from '../../shared/schemas/payments';
import {
  captureBody,
  depositBody,
  paymentBody,
  refundBody,
  paymentIdParams,
  paymentListQuery,
  paymentSchema,
} from '../../shared/schemas/payments';
import { LIST_READ_BUDGET } from '../../shared/payments/list';
import { route } from '../lib/contract';
import { pageOf } from './pages';

const SORTED_WHOLE = LIST_READ_BUDGET / 2;

const readPayment = {
  operationId: 'getPayment',
  description: 'Follow the payment just accepted until it is processed.',
  parameters: { id: '$response.body#/id' },
};

export const getFees = route({
  method: 'GET',
  path: '/v1/fees',
  function: 'fees-get',
  access: 'public',
  operationId: 'getFees',
  summary: 'Get the fee schedule',
  description:
    'Answers the fee of each payment type: `fee = max(min, fixed + round_half_up(amount * bps / 10000))` in the ' +
    'source currency, paid by the source on top of `amount`.',
  tags: ['Payments'],
  success: { status: 200, description: 'The fee schedule.', schema: feeScheduleView },
  errors: [],
});

export const createPayment = route({
  method: 'POST',
  path: '/v1/payments',
  function: 'payments-create',
  access: 'user',
  operationId: 'createPayment',
  summary: 'Create a payment',
  description:
    'Accepts a payment from one of the caller’s accounts and answers 202 with `status: "INITIATED"`; the caller’s ' +
    'email must be verified (else a 403 `email_unverified`). Funds are ' +
    'checked when it is processed: a source short of `amount + fee` ends `FAILED` with ' +
    '`failureReason: "insufficient_funds"`. Follow it with GET /v1/payments/{id} or the WebSocket.\n\n' +
    '- `transfer`: between two wallets in `currency`; any user’s wallet may be the destination.\n' +
    '- `exchange`: between two wallets in different currencies (the caller’s own or another user’s). The ' +
    'destination is credited `destinationAmount = floor(amount * rate)`, converted between the two currencies’ ' +
    'minor units at the rate in force for `<source>/<destination>` when the payment is created; the payment ' +
    'records `rate`, `destinationAmount` and `destinationCurrency`. The fee is in the source currency. 422 ' +
    '`no_rate` when no rate is set for the pair; 400 `validation_error` when the amount converts to less than one ' +
    'minor unit. `currency`, when given, must be the source account’s.\n' +
    '- `withdrawal`: money out of a wallet to an e-wallet (`destination.reference`); the wallet pays `amount + ' +
    'fee`, and the payment’s `destinationAccountId` is `tech-withdrawals-<currency>`.\n\n' +
    'A transfer or withdrawal with `capture: "manual"` is authorized rather than completed: when processed, ' +
    '`amount + fee` leaves the source’s `balance` for its `held` (a `hold` operation paid to ' +
    '`tech-holds-<currency>`) and the payment becomes `AUTHORIZED`, with `authorizedAt` and ' +
    '`authorizationExpiresAt` (`holdSeconds` later, 60 to 2592000, 7 days when absent; `holdSeconds` without ' +
    '`capture: "manual"` is a 400). Capture it with POST /v1/payments/{id}/capture or void it with POST ' +
    '/v1/payments/{id}/void; an authorization past its expiry is voided (`voidReason: "expired"`).\n\n' +
    'Any of them may carry `metadata`: up to 20 keys of 1 to 40 characters from `A-Z a-z 0-9 _ . -`, each with a ' +
    'string value of at most 500 characters. It is stored as given, shown on the payment, and found with ' +
    '`GET /v1/payments?metadata[<key>]=<value>`.',
  tags: ['Payments'],
  body: paymentBody,
  examples: {
    transfer: {
      type: 'transfer',
      sourceAccountId: 'acc_01jd0000000000000000000001',
      destinationAccountId: 'acc_01jd0000000000000000000002',
      amount: 2500,
      currency: 'USD',
      description: 'Rent',
    },
    exchange: {
      type: 'exchange',
      sourceAccountId: 'acc_01jd0000000000000000000001',
      destinationAccountId: 'acc_01jd0000000000000000000003',
      amount: 1000,
    },
    withdrawal: {
      type: 'withdrawal',
      sourceAccountId: 'acc_01jd0000000000000000000001',
      amount: 1000,
      currency: 'USD',
      destination: { method: 'ewallet', reference: 'wallet:me@example.net' },
    },
    authorization: {
      type: 'transfer',
      sourceAccountId: 'acc_01jd0000000000000000000001',
      destinationAccountId: 'acc_01jd0000000000000000000002',
      amount: 3000,
      currency: 'USD',
      capture: 'manual',
      holdSeconds: 3600,
    },
  },
  idempotent: true,
  verifiedEmail: true,
  success: { status: 202, description: 'The accepted payment.', schema: paymentSchema },
  links: {
    read: readPayment,
    capture: {
      operationId: 'capturePayment',
      description: 'Capture the payment once it is AUTHORIZED (created with `capture: "manual"`).',
      parameters: { id: '$response.body#/id' },
    },
    void: {
      operationId: 'voidPayment',
      description: 'Void the payment once it is AUTHORIZED, giving back what it holds.',
      parameters: { id: '$response.body#/id' },
    },
    refund: {
      operationId: 'createRefund',
      description: 'Refund the payment, as its payee, once it is COMPLETED.',
      parameters: { id: '$response.body#/id' },
    },
  },
  errors: [
    'unsupported_currency',
    'not_found',
    'same_account',
    'currency_mismatch',
    'no_rate',
    'account_closed',
    'account_frozen',
  ],
});

export const listPayments = route({
  method: 'GET',
  path: '/v1/payments',
  function: 'payments-list',
  access: 'user',
  operationId: 'listPayments',
  summary: 'List payments',
  description:
    'Lists the payments where the caller owns the source or the destination (a `FAILED` payment only to the owner of ' +
    'its source: the money never reached the destination); an admin sees all of them. Oldest first by default.\n\n' +
    'Every sort follows an index of its own, and so do the selective filters: `from`/`to` in creation order, ' +
    '`minAmount`/`maxAmount` by amount, and `refundOf`, `metadata[<key>]` and `accountId` (the first of them given) ' +
    `in creation order; under another sort, their matches are sorted whole when they are at most ${SORTED_WHOLE}, ` +
    'and otherwise found as the page walks the index of that sort. The other filters are checked as the page reads. ' +
    `A page reads at most ${LIST_READ_BUDGET} items, so a selective filter may answer fewer than \`limit\` ` +
    'payments, even none, with a `nextCursor`: follow `nextCursor` until it is null.\n\n' +
    'A `metadata[<key>]` filter is answered from an index of metadata, one entry per match: sorted by anything but ' +
    `\`createdAt\`, more than ${SORTED_WHOLE} matches are a 400 \`validation_error\` on \`sort\` (list them ` +
    'in creation order).',
  tags: ['Payments'],
  query: paymentListQuery,
  queryDescriptions: {
    status: 'Only payments in this status.',
    type: 'Only payments of this type.',
    accountId: 'Only payments from or to this account.',
    currency: 'Only payments in this currency.',
    from: 'Only payments created at or after this time.',
    to: 'Only payments created at or before this time.',
    minAmount: 'Only payments of at least this amount, in minor units.',
    maxAmount: 'Only payments of at most this amount, in minor units.',
    refundOf: 'Only the refunds of this payment.',
    metadata:
      'Only payments whose metadata holds this key with exactly this value, sent as `metadata[<key>]=<value>`; one ' +
      'key per request.',
    sort:
      'The field to sort by, `-` first for descending order: `createdAt` (the default), `amount`, `fee` or ' +
      '`completedAt`, which lists only the payments that have one. Ties are broken by id.',
  },
  success: { status: 200, description: 'A page of payments.', schema: pageOf(paymentSchema) },
  errors: ['unsupported_currency'],
});

export const getPayment = route({
  method: 'GET',
  path: '/v1/payments/{id}',
  function: 'payments-get',
  access: 'user',
  operationId: 'getPayment',
  summary: 'Get a payment',
  description: 'Reads one payment the caller owns a side of (any payment, for an admin).',
  tags: ['Payments'],
  params: paymentIdParams,
  paramDescriptions: { id: 'The id of the payment.' },
  success: { status: 200, description: 'The payment.', schema: paymentSchema },
  errors: [],
});

export const createDeposit = route({
  method: 'POST',
  path: '/v1/admin/deposits',
  function: 'deposits-create',
  access: 'admin',
  operationId: 'createDeposit',
  summary: 'Record a bank deposit',
  description:
    'Credits a wallet with money that came in by bank transfer, from `tech-bank-<currency>`. The bank `reference` ' +
    'is idempotent: the same reference answers the original deposit, a different body with it is a 422.',
  tags: ['Admin', 'Payments'],
  body: depositBody,
  examples: {
    bankTopUp: { accountId: 'acc_01jd0000000000000000000001', amount: 10000, currency: 'USD', reference: 'BANK-0001' },
  },
  success: { status: 202, description: 'The accepted deposit.', schema: paymentSchema },
  links: { read: readPayment },
  errors: [
    'unsupported_currency',
    'not_found',
    'currency_mismatch',
    'account_closed',
    'account_frozen',
    'idempotency_key_reused',
  ],
});

export const createRefund = route({
  method: 'POST',
  path: '/v1/payments/{id}/refunds',
  function: 'refunds-create',
  access: 'user',
  operationId: 'createRefund',
  summary: 'Refund a payment',
  description:
    'Gives money back along a `COMPLETED` transfer (by the owner of its destination, or an operator) or withdrawal ' +
    '(by an operator: the e-wallet sent it back), and answers 202 with a payment of type `refund`, `INITIATED`, ' +
    '`refundOf` the original’s id: from the original’s destination to its source, in its currency, with fee 0 (the ' +
    'original’s commission is not returned). `amount` defaults to what is left to refund; `reason` becomes the ' +
    'refund’s `description`. The refunds of a payment that have not `FAILED` never add up to more than its amount ' +
    '(422 `refund_exceeds_payment`); any other payment, or one not `COMPLETED`, is a 422 `not_refundable`. The ' +
    'payer, who may see the payment, gets a 403 `forbidden`; anyone else a 404. The refund is processed in the ' +
    'background and may end `FAILED` with `insufficient_funds` if the payee has spent the money; the original’s ' +
    '`refundedAmount` is the sum of its `COMPLETED` refunds.',
  tags: ['Payments'],
  params: paymentIdParams,
  paramDescriptions: { id: 'The id of the payment to refund.' },
  body: refundBody,
  examples: { partial: { amount: 500, reason: 'one item out of stock' }, rest: {} },
  idempotent: true,
  verifiedEmail: true,
  success: { status: 202, description: 'The accepted refund.', schema: paymentSchema },
  errors: ['forbidden', 'not_refundable', 'refund_exceeds_payment', 'account_closed', 'account_frozen'],
});

export const capturePayment = route({
  method: 'POST',
  path: '/v1/payments/{id}/capture',
  function: 'payments-capture',
  access: 'user',
  operationId: 'capturePayment',
  summary: 'Capture an authorized payment',
  description:
    'Captures an `AUTHORIZED` payment, by the owner of its source or an operator, and answers 200 with the payment ' +
    '`COMPLETED`: the destination is credited `amount` (the authorized amount when absent, never more: 422 ' +
    '`capture_exceeds_authorization`), the fee is computed again on it (the payment’s `fee` shows it, and ' +
    '`capturedAmount` the amount), and what was held beyond both goes back to the source as one `release` ' +
    'operation. A payment that is not `AUTHORIZED`, or whose authorization has expired, is a 422 `not_authorized`; ' +
    'the same request repeated with the same `Idempotency-Key` answers the same capture. The payee gets a 403 ' +
    '`forbidden`; anyone else a 404.',
  tags: ['Payments'],
  params: paymentIdParams,
  paramDescriptions: { id: 'The id of the authorized payment.' },
  body: captureBody,
  examples: { partial: { amount: 2000 }, all: {} },
  idempotent: true,
  verifiedEmail: true,
  success: { status: 200, description: 'The captured payment.', schema: paymentSchema },
  errors: ['forbidden', 'not_authorized', 'capture_exceeds_authorization', 'account_closed', 'account_frozen'],
});

export const voidPayment = route({
  method: 'POST',
  path: '/v1/payments/{id}/void',
  function: 'payments-void',
  access: 'user',
  operationId: 'voidPayment',
  summary: 'Void an authorized payment',
  description:
    'Voids an `AUTHORIZED` payment, by the owner of its source or an operator, and answers 200 with the payment ' +
    '`VOIDED`: everything held goes back to the source as one `release` operation, with `voidReason: "requested"` ' +
    '(`"expired"` if the authorization had expired). Voiding a `VOIDED` payment answers it as it is, so any repeat ' +
    'is safe; an `Idempotency-Key` is accepted and not needed. Any other payment is a 422 `not_authorized`. The ' +
    'payee gets a 403 `forbidden`; anyone else a 404.',
  tags: ['Payments'],
  params: paymentIdParams,
  paramDescriptions: { id: 'The id of the authorized payment.' },
  verifiedEmail: true,
  success: { status: 200, description: 'The voided payment.', schema: paymentSchema },
  errors: ['forbidden', 'not_authorized'],
});
