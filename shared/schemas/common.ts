import * as z from 'zod/mini';
import { isSupportedCurrency } from '../money/currencies';
import { UNSUPPORTED_CURRENCY } from './validation';

/** A positive integer in the currency's minor unit, at most 2^53-1 so that it survives any JSON parser. */
export const amountSchema = z
  .int({ error: (issue) => (issue.code === 'invalid_type' ? 'must be an integer' : undefined) })
  .check(z.positive());

/** Upper-case ISO 4217 code; any other string is the contract's `unsupported_currency`, not a shape error. */
export const currencySchema = z.string().check(
  z.refine(isSupportedCurrency, {
    message: 'is not a supported ISO 4217 currency code',
    params: { code: UNSUPPORTED_CURRENCY },
  }),
);

/** Printable text without control characters: names end up in logs, CSV exports and terminals. */
export const labelSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^[^\p{Cc}]*$/u, { message: 'must not contain control characters' }),
  );

export const emailSchema = z.pipe(
  z.email().check(z.maxLength(254)),
  z.transform((email) => email.toLowerCase()),
);

export const passwordSchema = z.string().check(z.minLength(10), z.maxLength(1024));

const digits = (max: number) =>
  z.string().check(z.regex(new RegExp(`^[0-9]{1,${max}}$`), { message: 'must be a whole number' }));

export const limitSchema = z.pipe(digits(3), z.pipe(z.transform(Number), z.int().check(z.minimum(1), z.maximum(100))));

/** An opaque page cursor as received; its content is checked where it is decoded. */
const cursorSchema = z.string().check(z.minLength(1), z.maxLength(2048));

/** An ISO 8601 instant, with an offset or Z; it is compared as an instant, so it comes out in UTC with milliseconds. */
export const isoTimestampSchema = z.pipe(
  z.iso.datetime({ offset: true }),
  z.transform((value) => new Date(value).toISOString()),
);

/** `sort=field` or `sort=-field`, among the given fields. */
export const sortSchema = <const F extends string>(fields: readonly F[]) =>
  z.enum(fields.flatMap((field) => [field, `-${field}`]) as [`${F}` | `-${F}`, ...(`${F}` | `-${F}`)[]]);

export interface SortOrder<F extends string> {
  field: F;
  descending: boolean;
}

export const toSortOrder = <F extends string>(
  sort: `${F}` | `-${F}` | undefined,
  fallback: SortOrder<F>,
): SortOrder<F> =>
  sort === undefined
    ? fallback
    : sort.startsWith('-')
      ? { field: sort.slice(1) as F, descending: true }
      : { field: sort as F, descending: false };

/** The query parameters every list endpoint takes. */
export const pageQueryShape = {
  limit: z.optional(limitSchema),
  cursor: z.optional(cursorSchema),
};
