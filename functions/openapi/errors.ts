import {
  AccountClosedError,
  AccountFrozenError,
  AccountNotEmptyError,
  AlreadyVerifiedError,
  CaptureExceedsAuthorizationError,
  NotAuthorizedError,
  NotRefundableError,
  RefundExceedsPaymentError,
  EmailUnverifiedError,
  InvalidConfirmationError,
  LimitReachedError,
  TooManyRequestsError,
  CurrencyMismatchError,
  SameAccountError,
  type DomainError,
  EmailTakenError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidCredentialsError,
  InvalidJsonError,
  MethodNotAllowedError,
  NoRateError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedCurrencyError,
  ValidationError,
} from '../../shared/errors';
import { MAX_BODY_BYTES } from '../lib/http';
import { internalProblem, type Problem, toProblem } from '../lib/problem';

/**
 * Every error code an operation may document, with the problem it answers. The examples are built from the very
 * errors the handlers throw, so a status, title or detail documented here cannot drift from what is served.
 */
const domainErrors = {
  invalid_json: () => new InvalidJsonError('The request body is not valid JSON.'),
  validation_error: () =>
    new ValidationError([
      { path: 'email', message: 'must be a valid email' },
      { path: 'password', message: 'must be at least 10 characters long' },
    ]),
  unsupported_currency: () => new UnsupportedCurrencyError('XYZ'),
  payload_too_large: () => new PayloadTooLargeError(MAX_BODY_BYTES),
  unauthorized: () => new UnauthorizedError(),
  invalid_credentials: () => new InvalidCredentialsError(),
  forbidden: () => new ForbiddenError(),
  not_found: () => new NotFoundError(),
  method_not_allowed: () => new MethodNotAllowedError('PATCH', '/v1/payments', ['GET', 'POST']),
  email_taken: () => new EmailTakenError(),
  idempotency_key_reused: () => new IdempotencyKeyReusedError(),
  same_account: () => new SameAccountError(),
  currency_mismatch: () => CurrencyMismatchError.notIn('acc_01jd0000000000000000000000', 'EUR'),
  account_closed: () => new AccountClosedError('acc_01jd0000000000000000000000'),
  account_frozen: () => new AccountFrozenError('acc_01jd0000000000000000000000'),
  account_not_empty: () => new AccountNotEmptyError('acc_01jd0000000000000000000000'),
  no_rate: () => new NoRateError('USD', 'JPY'),
  email_unverified: () => new EmailUnverifiedError(),
  invalid_confirmation: () => new InvalidConfirmationError(),
  already_verified: () => new AlreadyVerifiedError(),
  too_many_requests: () => new TooManyRequestsError('Too many attempts.', 42),
  limit_reached: () => new LimitReachedError('A user holds at most 25 live tokens; revoke one first.'),
  not_refundable: () => new NotRefundableError('pay_01jd0000000000000000000000', 'it is INITIATED.'),
  refund_exceeds_payment: () => new RefundExceedsPaymentError('pay_01jd0000000000000000000000', 250n),
  not_authorized: () => new NotAuthorizedError('pay_01jd0000000000000000000000', 'COMPLETED'),
  capture_exceeds_authorization: () => new CaptureExceedsAuthorizationError('pay_01jd0000000000000000000000', 2500n),
} satisfies Record<string, () => DomainError>;

export type ErrorCode = keyof typeof domainErrors | 'internal_error';

export const ERROR_CODES: readonly ErrorCode[] = [...(Object.keys(domainErrors) as ErrorCode[]), 'internal_error'];

export const errorExample = (code: ErrorCode): Problem =>
  code === 'internal_error' ? internalProblem : toProblem(domainErrors[code]());

/** The response headers an error code comes with besides its body (a 429's `Retry-After`), by lower-case name. */
export const errorHeaders = (code: ErrorCode): Readonly<Record<string, string>> =>
  code === 'internal_error' ? {} : (domainErrors[code]().headers ?? {});
