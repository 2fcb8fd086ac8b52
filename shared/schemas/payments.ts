import { OPERATION_TYPES } from '../ledger/legs';
import {
  CAPTURE_MODES,
  type CaptureMode,
  FAILURE_REASONS,
  PAYMENT_SORT_FIELDS,
  PAYMENT_STATUSES,
  PAYMENT_TYPES,
  VOID_REASONS,
} from '../payments/model';
import * as z from 'zod/mini';
import {
  amountSchema,
  characters,
  currencySchema,
  isoTimestampSchema,
  metadataFilterSchema,
  metadataSchema,
  pageQueryShape,
  requestInteger,
  sortSchema,
  withoutControlCharacters,
} from './common';

const accountId = z.string().check(...characters(1, 128));
const description = z.string().check(withoutControlCharacters, ...characters(0, 500));

/** `capture: "manual"` authorizes the payment, to be captured or voided; `holdSeconds` says for how long at most. */
const captureShape = {
  capture: z.optional(z.enum(CAPTURE_MODES)),
  holdSeconds: z.optional(requestInteger().check(z.minimum(60), z.maximum(2_592_000))),
};

/**
 * A hold's length means nothing to a payment captured at once: `holdSeconds` only with `capture: "manual"`. The
 * document states it as JSON Schema does (`dependentSchemas`), so that a client generating requests from it knows.
 */
const holdOnlyWhenManual = z.refine<{ capture?: CaptureMode | undefined; holdSeconds?: number | undefined }>(
  (body) => body.holdSeconds === undefined || body.capture === 'manual',
  { message: 'is only for a payment with capture "manual"', path: ['holdSeconds'] },
);
const holdOnlyWhenManualDocumented = {
  dependentSchemas: { holdSeconds: { properties: { capture: { const: 'manual' } }, required: ['capture'] } },
};

const transferBody = z
  .strictObject({
    type: z.literal('transfer'),
    sourceAccountId: accountId,
    destinationAccountId: accountId,
    amount: amountSchema,
    currency: currencySchema,
    description: z.optional(description),
    ...captureShape,
    metadata: z.optional(metadataSchema),
  })
  .check(holdOnlyWhenManual)
  .register(z.globalRegistry, holdOnlyWhenManualDocumented);

const exchangeBody = z.strictObject({
  type: z.literal('exchange'),
  sourceAccountId: accountId,
  destinationAccountId: accountId,
  amount: amountSchema,
  /** Optional: the source currency, checked against the source account when given. */
  currency: z.optional(currencySchema),
  description: z.optional(description),
  metadata: z.optional(metadataSchema),
});

const externalReference = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' }),
  );

const withdrawalBody = z
  .strictObject({
    type: z.literal('withdrawal'),
    sourceAccountId: accountId,
    amount: amountSchema,
    currency: currencySchema,
    destination: z.strictObject({ method: z.literal('ewallet'), reference: externalReference }),
    description: z.optional(description),
    ...captureShape,
    metadata: z.optional(metadataSchema),
  })
  .check(holdOnlyWhenManual)
  .register(z.globalRegistry, holdOnlyWhenManualDocumented);

export const paymentBody = z.discriminatedUnion('type', [transferBody, exchangeBody, withdrawalBody]);

export const refundBody = z.strictObject({
  /** What is left to refund when absent. */
  amount: z.optional(amountSchema),
  /** Why, shown as the refund's `description`. */
  reason: z.optional(description),
  metadata: z.optional(metadataSchema),
});

export const captureBody = z.strictObject({
  /** The authorized amount when absent. */
  amount: z.optional(amountSchema),
});

export const depositBody = z.strictObject({
  accountId,
  amount: amountSchema,
  currency: currencySchema,
  reference: externalReference,
});

/** `Idempotency-Key`: 1 to 255 printable ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .check(z.minLength(1), z.maxLength(255), z.regex(/^[\x20-\x7e]+$/, { message: 'must be printable ASCII' }));

const minorUnits = z.pipe(
  z.string().check(z.regex(/^[0-9]{1,16}$/, { message: 'must be a whole number of minor units' })),
  z.transform((value) => BigInt(value)),
);

const paymentId = z.string().check(...characters(1, 128));

export const paymentListQuery = z.strictObject({
  ...pageQueryShape,
  status: z.optional(z.enum(PAYMENT_STATUSES)),
  type: z.optional(z.enum(PAYMENT_TYPES)),
  accountId: z.optional(accountId),
  currency: z.optional(currencySchema),
  from: z.optional(isoTimestampSchema),
  to: z.optional(isoTimestampSchema),
  minAmount: z.optional(minorUnits),
  maxAmount: z.optional(minorUnits),
  refundOf: z.optional(paymentId),
  metadata: z.optional(metadataFilterSchema),
  sort: z.optional(sortSchema(PAYMENT_SORT_FIELDS)),
});

export const paymentIdParams = z.object({ id: paymentId });

/** A signed amount in minor units, as a query parameter: an operation's amount is negative for a debit. */
const signedMinorUnits = z.pipe(
  z.string().check(z.regex(/^-?[0-9]{1,16}$/, { message: 'must be a whole number of minor units, signed' })),
  z.transform((value) => BigInt(value)),
);

export const operationListQuery = z.strictObject({
  ...pageQueryShape,
  type: z.optional(z.enum(OPERATION_TYPES)),
  paymentId: z.optional(paymentId),
  counterpartyAccountId: z.optional(accountId),
  minAmount: z.optional(signedMinorUnits),
  maxAmount: z.optional(signedMinorUnits),
  from: z.optional(isoTimestampSchema),
  to: z.optional(isoTimestampSchema),
  sort: z.optional(sortSchema(['createdAt', 'amount'] as const)),
});

export const balanceQuery = z.strictObject({ at: z.optional(isoTimestampSchema) });

const feeRule = z.object({ bps: z.int(), fixed: z.int(), min: z.int() });

export const feeScheduleView = z.object({
  transfer: feeRule,
  exchange: feeRule,
  withdrawal: feeRule,
  deposit: feeRule,
});

export const paymentSchema = z.object({
  id: z.string(),
  type: z.enum(PAYMENT_TYPES),
  status: z.enum(PAYMENT_STATUSES),
  sourceAccountId: z.string(),
  destinationAccountId: z.string(),
  amount: z.int(),
  currency: z.string(),
  fee: z.int(),
  destinationAmount: z.optional(z.int()),
  destinationCurrency: z.optional(z.string()),
  rate: z.optional(z.string()),
  destination: z.optional(z.object({ method: z.literal('ewallet'), reference: z.string() })),
  description: z.optional(z.string()),
  reference: z.optional(z.string()),
  capture: z.enum(CAPTURE_MODES),
  authorizedAt: z.optional(z.string()),
  authorizationExpiresAt: z.optional(z.string()),
  capturedAmount: z.optional(z.int()),
  refundOf: z.optional(z.string()),
  refundedAmount: z.int(),
  failureReason: z.optional(z.enum(FAILURE_REASONS)),
  voidReason: z.optional(z.enum(VOID_REASONS)),
  metadata: metadataSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.optional(z.string()),
});

export const operationSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  paymentId: z.string(),
  type: z.enum(OPERATION_TYPES),
  amount: z.int(),
  currency: z.string(),
  balanceAfter: z.int(),
  counterpartyAccountId: z.string(),
  createdAt: z.string(),
});

export const balanceSchema = z.object({
  accountId: z.string(),
  currency: z.string(),
  balance: z.int(),
  at: z.string(),
});
