/**
 * Documentation of every route of the manifest, keyed by `${method} ${path}` exactly as in `routes`. Request schemas
 * are the very zod schemas the handlers validate with, so the document cannot promise what the API does not check.
 * Security is not restated here: the document takes it from the manifest's `access`.
 */
import * as z from 'zod/mini';
import {
  accountIdParams,
  accountListQuery,
  accountSchema,
  adminAccountListQuery,
  openAccountBody,
} from '../../shared/schemas/accounts';
import {
  credentialsBody,
  newTokenSchema,
  tokenIdParams,
  tokenListQuery,
  tokenSchema,
  userSchema,
} from '../../shared/schemas/users';
import {
  balanceQuery,
  balanceSchema,
  depositBody,
  feeScheduleView,
  operationListQuery,
  operationSchema,
  paymentBody,
  paymentIdParams,
  paymentListQuery,
  paymentSchema,
} from '../../shared/schemas/payments';
import { rateBody, rateHistoryQuery, rateListQuery, ratePairParams, rateSchema } from '../../shared/schemas/rates';
import { summaryQuery, summarySchema } from '../../shared/schemas/reports';
import type { ErrorCode } from './errors';

export type Tag = 'Meta' | 'Users' | 'Tokens' | 'Accounts' | 'Payments' | 'Admin';

export const tagDescriptions: Readonly<Record<Tag, string>> = {
  Meta: 'Health and description of the API itself.',
  Users: 'Sign-up and the calling user.',
  Tokens: 'API tokens: issue, list and revoke the bearer tokens that authenticate every other call.',
  Accounts: 'Wallets holding a balance in one currency, and their operations.',
  Payments: 'Money movements, accepted at once and processed in the background.',
  Admin: 'Operator endpoints; they require a token of a user with the `admin` role.',
};

export interface OperationDoc {
  operationId: string;
  summary: string;
  description: string;
  tags: readonly [Tag, ...Tag[]];
  /** The JSON body schema the handler validates with. */
  body?: z.ZodMiniType;
  /** The query schema the handler validates with: one parameter per property. */
  query?: z.ZodMiniType;
  /** Descriptions of the query parameters, by name; `limit`, `cursor` and `sort` have default ones. */
  queryDescriptions?: Readonly<Record<string, string>>;
  /** An object schema with one property per `{name}` of the path. */
  params?: z.ZodMiniType;
  /** Descriptions of the path parameters, by name. */
  paramDescriptions?: Readonly<Record<string, string>>;
  success: { status: 200 | 201 | 202 | 204; description: string; schema?: z.ZodMiniType };
  /** Every error code the operation answers besides `internal_error`, which any operation may answer. */
  errors: readonly ErrorCode[];
  /** Money moves: the `Idempotency-Key` header is documented and a reused key is a 422 `idempotency_key_reused`. */
  idempotent?: true;
}

/** The `{ data, nextCursor }` page every collection endpoint answers. */
const pageOf = (item: z.ZodMiniType) => z.object({ data: z.array(item), nextCursor: z.nullable(z.string()) });

const healthSchema = z.object({ status: z.literal('ok') });

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

const signUpSchema = z.object({ user: userSchema, token: newTokenSchema });

const bodyErrors = ['invalid_json', 'validation_error', 'payload_too_large'] as const satisfies readonly ErrorCode[];

export const operations: Readonly<Record<string, OperationDoc>> = {
  'GET /v1/health': {
    operationId: 'getHealth',
    summary: 'Check health',
    description: 'Answers 200 `{ "status": "ok" }` once the API and every component behind it are ready.',
    tags: ['Meta'],
    success: { status: 200, description: 'The API is ready.', schema: healthSchema },
    errors: [],
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    summary: 'Get the OpenAPI document',
    description: 'Answers this OpenAPI 3.1 document, generated from the route table and the request validators.',
    tags: ['Meta'],
    success: { status: 200, description: 'The OpenAPI 3.1 document of this API.', schema: openApiDocumentSchema },
    errors: [],
  },
  'POST /v1/users': {
    operationId: 'createUser',
    summary: 'Sign up',
    description:
      'Creates a user with the `user` role and issues a first API token. The token secret is shown only in this ' +
      'response. Emails are compared case-insensitively.',
    tags: ['Users'],
    body: credentialsBody,
    success: { status: 201, description: 'The new user and its first token.', schema: signUpSchema },
    errors: [...bodyErrors, 'email_taken'],
  },
  'POST /v1/tokens': {
    operationId: 'createToken',
    summary: 'Create a token',
    description:
      'Issues a new API token for an email and password; a user may hold many. The secret `token` is shown only in ' +
      'this response and stored only as a hash.',
    tags: ['Tokens'],
    body: credentialsBody,
    success: { status: 201, description: 'The new token, with its secret.', schema: newTokenSchema },
    errors: [...bodyErrors, 'invalid_credentials'],
  },
  'GET /v1/tokens': {
    operationId: 'listTokens',
    summary: 'List tokens',
    description: "Lists the caller's tokens. Secrets are never returned.",
    tags: ['Tokens'],
    query: tokenListQuery,
    success: { status: 200, description: 'A page of tokens.', schema: pageOf(tokenSchema) },
    errors: ['validation_error', 'unauthorized'],
  },
  'DELETE /v1/tokens/{id}': {
    operationId: 'revokeToken',
    summary: 'Revoke a token',
    description: 'Revokes one of the caller’s tokens: it is refused within seconds. Another user’s token is a 404.',
    tags: ['Tokens'],
    params: tokenIdParams,
    paramDescriptions: { id: 'The id of the token.' },
    success: { status: 204, description: 'The token is revoked.' },
    errors: ['unauthorized', 'not_found'],
  },
  'GET /v1/me': {
    operationId: 'getMe',
    summary: 'Get the calling user',
    description: 'Answers the user the bearer token belongs to.',
    tags: ['Users'],
    success: { status: 200, description: 'The calling user.', schema: userSchema },
    errors: ['unauthorized'],
  },
  'POST /v1/accounts': {
    operationId: 'createAccount',
    summary: 'Open an account',
    description:
      'Opens a wallet for the caller in one currency, with a zero balance. A user may hold several accounts in one ' +
      'currency. A wallet can never go below zero.',
    tags: ['Accounts'],
    body: openAccountBody,
    success: { status: 201, description: 'The new account.', schema: accountSchema },
    errors: [...bodyErrors, 'unsupported_currency', 'unauthorized'],
  },
  'GET /v1/accounts': {
    operationId: 'listAccounts',
    summary: 'List accounts',
    description: "Lists the caller's own accounts, oldest first unless `sort` says otherwise.",
    tags: ['Accounts'],
    query: accountListQuery,
    queryDescriptions: {
      currency: 'Only accounts in this currency.',
      status: 'Only accounts in this status.',
    },
    success: { status: 200, description: 'A page of accounts.', schema: pageOf(accountSchema) },
    errors: ['validation_error', 'unsupported_currency', 'unauthorized'],
  },
  'GET /v1/accounts/{id}': {
    operationId: 'getAccount',
    summary: 'Get an account',
    description: "Reads one account. An account that is not the caller's is a 404, unless the caller is an admin.",
    tags: ['Accounts'],
    params: accountIdParams,
    paramDescriptions: { id: 'The id of the account, e.g. `acc_…` or `tech-fees-USD`.' },
    success: { status: 200, description: 'The account.', schema: accountSchema },
    errors: ['unauthorized', 'not_found'],
  },
  'GET /v1/admin/accounts': {
    operationId: 'adminListAccounts',
    summary: 'List all accounts',
    description: "Lists any user's wallets and the technical accounts. Requires an admin token.",
    tags: ['Admin', 'Accounts'],
    query: adminAccountListQuery,
    queryDescriptions: {
      kind: 'Only `user` wallets or only `technical` accounts.',
      purpose: 'Only accounts with this purpose.',
      currency: 'Only accounts in this currency.',
      ownerId: 'Only the accounts of this user.',
      status: 'Only accounts in this status.',
    },
    success: { status: 200, description: 'A page of accounts.', schema: pageOf(accountSchema) },
    errors: ['validation_error', 'unsupported_currency', 'unauthorized', 'forbidden'],
  },
  'GET /v1/accounts/{id}/operations': {
    operationId: 'listOperations',
    summary: 'List operations',
    description:
      'Lists the operations of an account in the order they were applied: each `balanceAfter` is the previous one ' +
      'plus this `amount`. For the sharded fee account, `balanceAfter` chains within each shard.',
    tags: ['Accounts'],
    params: accountIdParams,
    paramDescriptions: { id: 'The id of the account.' },
    query: operationListQuery,
    queryDescriptions: {
      type: 'Only operations of this type.',
      paymentId: 'Only the operations of this payment.',
      from: 'Only operations created at or after this time.',
      to: 'Only operations created at or before this time.',
    },
    success: { status: 200, description: 'A page of operations.', schema: pageOf(operationSchema) },
    errors: ['validation_error', 'unauthorized', 'not_found'],
  },
  'GET /v1/accounts/{id}/balance': {
    operationId: 'getBalanceAt',
    summary: 'Get a balance at a point in time',
    description: 'Answers the balance right after the last operation at or before `at` (now when omitted).',
    tags: ['Accounts'],
    params: accountIdParams,
    paramDescriptions: { id: 'The id of the account.' },
    query: balanceQuery,
    queryDescriptions: { at: 'An ISO 8601 time.' },
    success: { status: 200, description: 'The balance at that time.', schema: balanceSchema },
    errors: ['validation_error', 'unauthorized', 'not_found'],
  },
  'GET /v1/fees': {
    operationId: 'getFees',
    summary: 'Get the fee schedule',
    description:
      'Answers the fee of each payment type: `fee = max(min, fixed + round_half_up(amount * bps / 10000))` in the ' +
      'source currency, paid by the source on top of `amount`.',
    tags: ['Payments'],
    success: { status: 200, description: 'The fee schedule.', schema: feeScheduleView },
    errors: [],
  },
  'POST /v1/payments': {
    operationId: 'createPayment',
    summary: 'Create a payment',
    description:
      'Accepts a payment from one of the caller’s accounts and answers 202 with `status: "INITIATED"`. Funds are ' +
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
      'fee`, and the payment’s `destinationAccountId` is `tech-withdrawals-<currency>`.',
    tags: ['Payments'],
    body: paymentBody,
    idempotent: true,
    success: { status: 202, description: 'The accepted payment.', schema: paymentSchema },
    errors: [
      ...bodyErrors,
      'unsupported_currency',
      'unauthorized',
      'not_found',
      'same_account',
      'currency_mismatch',
      'no_rate',
      'account_closed',
    ],
  },
  'GET /v1/payments': {
    operationId: 'listPayments',
    summary: 'List payments',
    description: 'Lists the payments where the caller owns the source or the destination; an admin sees all of them.',
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
    },
    success: { status: 200, description: 'A page of payments.', schema: pageOf(paymentSchema) },
    errors: ['validation_error', 'unsupported_currency', 'unauthorized'],
  },
  'GET /v1/payments/{id}': {
    operationId: 'getPayment',
    summary: 'Get a payment',
    description: 'Reads one payment the caller owns a side of (any payment, for an admin).',
    tags: ['Payments'],
    params: paymentIdParams,
    paramDescriptions: { id: 'The id of the payment.' },
    success: { status: 200, description: 'The payment.', schema: paymentSchema },
    errors: ['unauthorized', 'not_found'],
  },
  'POST /v1/admin/deposits': {
    operationId: 'createDeposit',
    summary: 'Record a bank deposit',
    description:
      'Credits a wallet with money that came in by bank transfer, from `tech-bank-<currency>`. The bank `reference` ' +
      'is idempotent: the same reference answers the original deposit, a different body with it is a 422.',
    tags: ['Admin', 'Payments'],
    body: depositBody,
    success: { status: 202, description: 'The accepted deposit.', schema: paymentSchema },
    errors: [
      ...bodyErrors,
      'unsupported_currency',
      'unauthorized',
      'forbidden',
      'not_found',
      'currency_mismatch',
      'account_closed',
      'idempotency_key_reused',
    ],
  },
  'GET /v1/rates': {
    operationId: 'listRates',
    summary: 'List exchange rates',
    description:
      'Answers the rate in force of every pair, by base then quote: one `base` buys `rate` of `quote`. A pair is ' +
      'one direction only; its inverse is a rate of its own.',
    tags: ['Payments'],
    query: rateListQuery,
    queryDescriptions: { base: 'Only rates of this base currency.', quote: 'Only rates into this quote currency.' },
    success: { status: 200, description: 'The rates in force.', schema: pageOf(rateSchema) },
    errors: ['validation_error', 'unsupported_currency'],
  },
  'PUT /v1/admin/rates/{base}/{quote}': {
    operationId: 'setRate',
    summary: 'Set an exchange rate',
    description:
      'Sets the rate of `base` in `quote` that exchanges created from now on use: a positive decimal string of at ' +
      'most 12 significant digits (`"151.37"`, `"0.0066"`), never a JSON number, and answered exactly as sent. ' +
      'Every rate set is also kept in the pair’s history; each exchange records the rate it used.',
    tags: ['Admin'],
    params: ratePairParams,
    paramDescriptions: { base: 'The currency sold, ISO 4217.', quote: 'The currency bought, ISO 4217.' },
    body: rateBody,
    success: { status: 200, description: 'The rate now in force.', schema: rateSchema },
    errors: [...bodyErrors, 'unsupported_currency', 'unauthorized', 'forbidden'],
  },
  'GET /v1/admin/rates/{base}/{quote}/history': {
    operationId: 'listRateHistory',
    summary: 'List the history of a rate',
    description:
      'Lists every rate set for `base` in `quote`, newest first, including one that lost a race to a newer one: ' +
      'what an exchange created at any moment was priced at.',
    tags: ['Admin'],
    params: ratePairParams,
    paramDescriptions: { base: 'The currency sold, ISO 4217.', quote: 'The currency bought, ISO 4217.' },
    query: rateHistoryQuery,
    success: { status: 200, description: 'The rates the pair has had.', schema: pageOf(rateSchema) },
    errors: ['validation_error', 'unsupported_currency', 'unauthorized', 'forbidden'],
  },
  'GET /v1/admin/reports/summary': {
    operationId: 'getSummaryReport',
    summary: 'Summarize a period',
    description:
      'Answers, per currency the gateway has booked money in, what crossed its edge in `[from, to)`: the ' +
      'commission taken (`tech-fees`), the count and sum of bank deposits (`tech-bank`), the count and sum of ' +
      'withdrawals to e-wallets (`tech-withdrawals`), and the count of exchanges with this currency on either side ' +
      'with the sums the exchange desk took in it (`sourceSum`) and paid out in it (`destinationSum`). Payments ' +
      'count when they complete. A deposit’s sum is what the bank side paid in: its amount, plus its fee when the ' +
      'deposit fee is not zero. Read from the running volumes of the technical accounts, never by a table scan.',
    tags: ['Admin'],
    query: summaryQuery,
    queryDescriptions: {
      from: 'Start of the period, inclusive (ISO 8601); the beginning of the books when left out.',
      to: 'End of the period, exclusive (ISO 8601); now when left out.',
    },
    success: { status: 200, description: 'The summary of the period.', schema: summarySchema },
    errors: ['validation_error', 'unauthorized', 'forbidden'],
  },
};
