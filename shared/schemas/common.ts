import * as z from 'zod/mini';
import { CURSOR_MAX_LENGTH, CURSOR_MIN_LENGTH, CURSOR_PATTERN } from '../adapters/cursor';
import { METADATA_KEY_PATTERN, METADATA_MAX_KEYS, METADATA_VALUE_MAX_LENGTH, type MetadataFilter } from '../metadata';
import { isSupportedCurrency } from '../money/currencies';
import { UNSUPPORTED_CURRENCY } from './validation';

/**
 * An integer of a request, at most 2^53-1 in size; anything else, `1.0` and `1e2` included (see json.ts), is refused
 * with the same words wherever it is.
 */
export const requestInteger = () =>
  z.int({ error: (issue) => (issue.code === 'invalid_type' ? 'must be an integer' : undefined) });

/**
 * From `min` to `max` characters, counted as the document's `minLength` and `maxLength` count them: in code points (an
 * emoji is one character), not in the UTF-16 units of a string's `length`.
 */
export const characters = (min: number, max: number) => {
  const count = (value: string) => Array.from(value).length;
  return [
    ...(min > 0
      ? [z.refine<string>((value) => count(value) >= min, { message: `must be at least ${min} characters long` })]
      : []),
    z.refine<string>((value) => count(value) <= max, { message: `must be at most ${max} characters long` }),
    z.meta(min > 0 ? { minLength: min, maxLength: max } : { maxLength: max }),
  ];
};

/** A positive integer in the currency's minor unit, at most 2^53-1 so that it survives any JSON parser. */
export const amountSchema = requestInteger().check(z.positive());

/** Upper-case ISO 4217 code; any other string is the contract's `unsupported_currency`, not a shape error. */
export const currencySchema = z.string().check(
  z.refine(isSupportedCurrency, {
    message: 'is not a supported ISO 4217 currency code',
    params: { code: UNSUPPORTED_CURRENCY },
  }),
);

/**
 * No control characters (C0, DEL, C1): text ends up in logs, CSV exports and terminals. Written as explicit ranges, not
 * `\p{Cc}`, so that the document's pattern reads the same in every regex engine (ECMAScript, Python, Java).
 */
// eslint-disable-next-line no-control-regex -- the control characters are what the pattern exists to refuse.
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001F\u007F-\u009F]*$/;

export const withoutControlCharacters = z.regex(NO_CONTROL_CHARACTERS, {
  message: 'must not contain control characters',
});

/**
 * A character that trimming keeps: neither a control character nor one of the spaces `String.prototype.trim` removes
 * (ECMAScript's WhiteSpace and LineTerminator), written out so that every engine reads the same class.
 */
// eslint-disable-next-line no-control-regex -- the control characters are part of what the class leaves out.
const NOT_BLANK = /[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]/;

/**
 * Printable text of 1 to 100 characters, not blank, trimmed: names and reasons. Every check reads the text as sent,
 * as the document does (its pattern, `minLength` and `maxLength`); what is stored is trimmed.
 */
export const labelSchema = z
  .string()
  .check(
    withoutControlCharacters,
    z.regex(NOT_BLANK, { message: 'must not be blank' }),
    ...characters(1, 100),
    z.trim(),
  );

const DNS_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/**
 * An address as the document's `email` format reads it (RFC 5321 lengths, RFC 1034 host names): a local part of at
 * most 64 characters that neither starts nor ends with a dot, and a domain of DNS labels (no label starting or ending
 * with `-`) under an alphabetic top-level domain. Without lookarounds, so that every engine and test generator reads
 * it; the one rule it leaves to the `email` format, no two dots in a row, is checked beside it.
 */
const EMAIL_PATTERN = new RegExp(
  `^[A-Za-z0-9_'+-](?:[A-Za-z0-9_'+.-]{0,62}[A-Za-z0-9_'+-])?@(?:${DNS_LABEL}\\.)+[A-Za-z]{2,63}$`,
);

export const emailSchema = z.pipe(
  z.email({ pattern: EMAIL_PATTERN }).check(
    z.maxLength(254),
    z.refine((email) => !email.includes('..'), { message: 'must be a valid email' }),
  ),
  z.transform((email) => email.toLowerCase()),
);

export const passwordSchema = z.string().check(...characters(10, 1024));

const digits = (max: number) =>
  z.string().check(z.regex(new RegExp(`^[0-9]{1,${max}}$`), { message: 'must be a whole number' }));

export const limitSchema = z.pipe(digits(3), z.pipe(z.transform(Number), z.int().check(z.minimum(1), z.maximum(100))));

/**
 * An opaque page cursor as received: the form every cursor has (see `encodeCursor`), its content checked where the
 * list decodes it.
 */
const cursorSchema = z
  .string()
  .check(
    z.minLength(CURSOR_MIN_LENGTH),
    z.maxLength(CURSOR_MAX_LENGTH),
    z.regex(new RegExp(CURSOR_PATTERN), { message: 'is not a cursor from this list' }),
  );

/**
 * RFC 3339 `date-time` as the contract reads it: seconds always written, an optional fraction, `Z` or an offset, and a
 * year from 1970 on. Written out as a pattern rather than a Unicode-aware format check, so that any engine reads the
 * document's pattern the same way.
 */
export const INSTANT_PATTERN =
  '^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' +
  'T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The pattern cannot see that February has no 30th. */
const isCalendarDate = (text: string): boolean => {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  return year !== undefined && month !== undefined && day !== undefined && day <= daysIn(year, month);
};

/**
 * An instant (`from`, `to`, `at`): an RFC 3339 date-time from 1970 on. It is compared as an instant, so it comes out
 * in UTC with milliseconds.
 */
export const isoTimestampSchema = z.pipe(
  z
    .string()
    .check(
      z.regex(new RegExp(INSTANT_PATTERN), { message: 'must be an RFC 3339 date-time from 1970 on, with seconds' }),
      z.refine(isCalendarDate, { message: 'is not a date of the calendar' }),
    ),
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

export const metadataKeySchema = z
  .string()
  .check(
    z.regex(new RegExp(METADATA_KEY_PATTERN), { message: 'must be 1 to 40 characters of A-Z, a-z, 0-9, _, . or -' }),
  );
export const metadataValueSchema = z.string().check(...characters(0, METADATA_VALUE_MAX_LENGTH));

/**
 * `__proto__` matches the key pattern, but a record skips it: sent as a key, it would vanish rather than be stored. It
 * is refused before the record is read (a transform first in a pipe, which the documented input schema leaves out).
 */
const withoutProtoKey = z.transform((input: unknown, context) => {
  if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
    context.issues.push({ code: 'custom', message: 'is a reserved key', input, path: ['__proto__'] });
  }
  return input;
});

/** Key-value pairs of a client's own (payments, accounts): at most 20 keys, each with a string value. */
export const metadataSchema = z.pipe(
  withoutProtoKey,
  z.record(metadataKeySchema, metadataValueSchema).check(
    z.refine((metadata) => Object.keys(metadata).length <= METADATA_MAX_KEYS, {
      message: `must have at most ${METADATA_MAX_KEYS} keys`,
    }),
    z.meta({ maxProperties: METADATA_MAX_KEYS }),
  ),
);

/**
 * The `metadata[<key>]=<value>` filter of a list, once the query's bracketed parameters are grouped into an object
 * (see functions/lib/query-string.ts): exactly one key per request, since one key is what one index entry answers.
 */
export const metadataFilterSchema = z.pipe(
  z.pipe(
    withoutProtoKey,
    z.record(metadataKeySchema, metadataValueSchema).check(
      z.refine((filter) => Object.keys(filter).length === 1, { message: 'filters on one key per request' }),
      z.meta({ minProperties: 1, maxProperties: 1 }),
    ),
  ),
  z.transform((filter): MetadataFilter => {
    const [key = '', value = ''] = Object.entries(filter)[0] ?? [];
    return { key, value };
  }),
);
