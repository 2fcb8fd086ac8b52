/**
 * Typed domain errors. Each carries the stable `code` and HTTP status of the public contract; the edge (and only the
 * edge) turns them into problem+json. Anything that is not a DomainError is an internal fault and answers a bare 500.
 */
export interface FieldError {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly errors?: FieldError[];
  /** Response headers the problem needs besides its body, such as a 429's `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;

  constructor(detail: string, errors?: FieldError[], headers?: Record<string, string>) {
    super(detail);
    this.name = new.target.name;
    if (errors) this.errors = errors;
    if (headers) this.headers = headers;
  }
}

export class InvalidJsonError extends DomainError {
  readonly code = 'invalid_json';
  readonly status = 400;
  readonly title = 'Malformed JSON';
}

export class ValidationError extends DomainError {
  readonly code = 'validation_error';
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(errors: FieldError[], detail = 'The request has invalid fields; see errors.') {
    super(detail, errors);
  }
}

export class UnsupportedCurrencyError extends DomainError {
  readonly code = 'unsupported_currency';
  readonly status = 400;
  readonly title = 'Unsupported currency';
  constructor(currency: string, path = 'currency') {
    super(`'${currency}' is not an ISO 4217 currency this gateway supports.`, [
      { path, message: 'Unsupported ISO 4217 currency code' },
    ]);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  readonly status = 401;
  readonly title = 'Unauthorized';
  constructor(detail = 'A valid bearer token is required.') {
    super(detail);
  }
}

export class InvalidCredentialsError extends DomainError {
  readonly code = 'invalid_credentials';
  readonly status = 401;
  readonly title = 'Invalid credentials';
  constructor() {
    super('The email or password is incorrect.');
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
  readonly status = 403;
  readonly title = 'Forbidden';
  constructor(detail = 'Your role does not allow this operation.') {
    super(detail);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  readonly status = 404;
  readonly title = 'Not found';
  constructor(what = 'resource', id?: string) {
    super(id === undefined ? `No such ${what}.` : `No such ${what}: '${id}'.`);
  }
}

export class MethodNotAllowedError extends DomainError {
  readonly code = 'method_not_allowed';
  readonly status = 405;
  readonly title = 'Method not allowed';
  constructor(method: string, path: string, allowed: readonly string[]) {
    super(`${method} is not supported on ${path}; it supports ${allowed.join(', ')}.`, undefined, {
      allow: allowed.join(', '),
    });
  }
}

export class EmailTakenError extends DomainError {
  readonly code = 'email_taken';
  readonly status = 409;
  readonly title = 'Email already registered';
  constructor() {
    super('A user with this email already exists.');
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'idempotency_key_reused';
  readonly status = 422;
  readonly title = 'Idempotency key reused';
  constructor() {
    super('This Idempotency-Key was already used with a different request body.');
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
  readonly status = 413;
  readonly title = 'Payload too large';
  constructor(limit: number) {
    super(`The request body exceeds ${limit} bytes.`);
  }
}

export class SameAccountError extends DomainError {
  readonly code = 'same_account';
  readonly status = 422;
  readonly title = 'Same account';
  constructor() {
    super('The source and the destination are the same account.');
  }
}

export class CurrencyMismatchError extends DomainError {
  readonly code = 'currency_mismatch';
  readonly status = 422;
  readonly title = 'Currency mismatch';
  static notIn(accountId: string, currency: string): CurrencyMismatchError {
    return new CurrencyMismatchError(`Account '${accountId}' does not hold ${currency}.`);
  }
}

export class AccountClosedError extends DomainError {
  readonly code = 'account_closed';
  readonly status = 422;
  readonly title = 'Account closed';
  constructor(accountId: string) {
    super(`Account '${accountId}' is closed.`);
  }
}

export class AccountNotEmptyError extends DomainError {
  readonly code = 'account_not_empty';
  readonly status = 422;
  readonly title = 'Account not empty';
  constructor(accountId: string) {
    super(
      `Account '${accountId}' still holds money (its balance or held is not 0): move it out, and capture or void ` +
        'its authorizations, before closing it.',
    );
  }
}

export class AccountFrozenError extends DomainError {
  readonly code = 'account_frozen';
  readonly status = 422;
  readonly title = 'Account frozen';
  constructor(accountId: string) {
    super(`Account '${accountId}' is frozen by an operator: it neither sends nor receives.`);
  }
}

export class NoRateError extends DomainError {
  readonly code = 'no_rate';
  readonly status = 422;
  readonly title = 'No exchange rate';
  constructor(base: string, quote: string) {
    super(`No rate is set for ${base} to ${quote}; an operator sets it with PUT /v1/admin/rates/${base}/${quote}.`);
  }
}

export class EmailUnverifiedError extends DomainError {
  readonly code = 'email_unverified';
  readonly status = 403;
  readonly title = 'Email not verified';
  constructor() {
    super(
      'Confirm your email address before moving money: follow the confirmation email, or ask for a new one with ' +
        'POST /v1/me/confirmation.',
    );
  }
}

export class InvalidConfirmationError extends DomainError {
  readonly code = 'invalid_confirmation';
  readonly status = 400;
  readonly title = 'Invalid confirmation token';
  constructor() {
    super('This confirmation token is unknown, was already used, was replaced by a newer one or has expired.');
  }
}

export class AlreadyVerifiedError extends DomainError {
  readonly code = 'already_verified';
  readonly status = 409;
  readonly title = 'Email already verified';
  constructor() {
    super('This email address is already confirmed.');
  }
}

export class TooManyRequestsError extends DomainError {
  readonly code = 'too_many_requests';
  readonly status = 429;
  readonly title = 'Too many requests';
  /** `retryAfterSeconds` is sent as `Retry-After`, rounded up to a whole second of at least 1. */
  constructor(detail: string, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(`${detail} Retry in ${seconds} s.`, undefined, { 'retry-after': String(seconds) });
  }
}

export class LimitReachedError extends DomainError {
  readonly code = 'limit_reached';
  readonly status = 422;
  readonly title = 'Limit reached';
}

export class NotRefundableError extends DomainError {
  readonly code = 'not_refundable';
  readonly status = 422;
  readonly title = 'Not refundable';
  constructor(paymentId: string, why: string) {
    super(`Payment '${paymentId}' cannot be refunded: ${why} Only a COMPLETED transfer or withdrawal can.`);
  }
}

export class RefundExceedsPaymentError extends DomainError {
  readonly code = 'refund_exceeds_payment';
  readonly status = 422;
  readonly title = 'Refund exceeds payment';
  constructor(paymentId: string, left: bigint) {
    super(
      `The refunds of payment '${paymentId}' that have not failed may not add up to more than its amount: ` +
        `${left.toString()} minor units are left to refund.`,
    );
  }
}

export class NotAuthorizedError extends DomainError {
  readonly code = 'not_authorized';
  readonly status = 422;
  readonly title = 'Not authorized';
  constructor(paymentId: string, status: string) {
    super(`Payment '${paymentId}' is ${status}: only an AUTHORIZED payment can be captured or voided.`);
  }
}

export class CaptureExceedsAuthorizationError extends DomainError {
  readonly code = 'capture_exceeds_authorization';
  readonly status = 422;
  readonly title = 'Capture exceeds authorization';
  constructor(paymentId: string, authorized: bigint) {
    super(
      `Payment '${paymentId}' is authorized for ${authorized.toString()} minor units; a capture takes at most that.`,
    );
  }
}
