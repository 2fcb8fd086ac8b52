/**
 * Exchange rates as exact decimals. A rate is read from its decimal text into a bigint mantissa and a power-of-ten
 * scale, never into a number: a binary float cannot hold 0.1 or 1.15, and 100 cents × 1.15 as doubles is
 * 114.99999999999999, which floors to a cent short.
 */
import { currencyExponent } from './currencies';

/**
 * Rates are quoted to at most this precision, and more digits would claim an accuracy no provider gives. It also keeps
 * the mantissa below 10^12, so `amount × mantissa` stays under 2^93 for any JSON-safe amount.
 */
export const MAX_RATE_SIGNIFICANT_DIGITS = 12;

/** Bounds the work done on untrusted text and the size of what is echoed back. */
export const MAX_RATE_LENGTH = 32;

/** The rate `mantissa / 10^scale`, with `text` exactly as the client sent it so it can be echoed back unchanged. */
export interface Rate {
  readonly text: string;
  readonly mantissa: bigint;
  readonly scale: number;
}

// Same shape as an amount but unsigned and without leading zeros ('007'), so each accepted string means one value
// and reads the way a person would write it. [0-9], not \d, spells out that only ASCII digits count.
const PLAIN_POSITIVE_DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Why `text` is not a valid rate, as a message that completes "rate ...", or undefined if it is valid. Returned
 * rather than thrown so that a zod refinement can report it as the issue message.
 */
export function rateProblem(text: string): string | undefined {
  const result = readRate(text);
  return typeof result === 'string' ? result : undefined;
}

/** Reads a rate the caller has not validated yet; throws a RangeError naming the problem. */
export function parseRate(text: string): Rate {
  const result = readRate(text);
  if (typeof result === 'string') throw new RangeError(`Rate ${JSON.stringify(text)} ${result}`);
  return result;
}

const wholeWith = (digits: number): string => {
  const fractionDigits = MAX_RATE_SIGNIFICANT_DIGITS - digits;
  // Past the budget of significant digits, a fraction may only go on with zeros, which say nothing.
  const fraction = fractionDigits === 0 ? '(?:\\.0+)?' : `(?:\\.[0-9]{1,${fractionDigits}}0*)?`;
  return `[1-9][0-9]{${digits - 1}}${fraction}`;
};

/**
 * What `readRate` accepts, as a pattern for the document (with a length of at most `MAX_RATE_LENGTH`): a whole part of
 * k digits leaves 12 - k significant digits to the fraction; below 1, the leading zeros of the fraction do not count.
 */
export const RATE_PATTERN = `^(?:0\\.0*[1-9][0-9]{0,${MAX_RATE_SIGNIFICANT_DIGITS - 1}}0*|${Array.from(
  { length: MAX_RATE_SIGNIFICANT_DIGITS },
  (_, index) => wholeWith(index + 1),
).join('|')})$`;

// The rate, or why there is none.
function readRate(text: string): Rate | string {
  if (text.length > MAX_RATE_LENGTH) return `must be at most ${MAX_RATE_LENGTH} characters`;
  const match = PLAIN_POSITIVE_DECIMAL.exec(text);
  if (!match) return 'must be a positive decimal string, e.g. "1.0850"';
  const [, whole = '', fraction = ''] = match;
  // Trailing zeros of the fraction say nothing about the value ("1.50000" is 1.5); those of the integer part do
  // ("1500"), so only the former are dropped, and the mantissa stays as small as the value allows.
  const significantFraction = fraction.replace(/0+$/, '');
  const digits = `${whole}${significantFraction}`;
  const significant = digits.replace(/^0+/, '');
  if (significant === '') return 'must be greater than zero';
  if (significant.length > MAX_RATE_SIGNIFICANT_DIGITS) {
    return `must have at most ${MAX_RATE_SIGNIFICANT_DIGITS} significant digits`;
  }
  return { text, mantissa: BigInt(digits), scale: significantFraction.length };
}

/**
 * Converts `amount` minor units of `from` into minor units of `to`: floor(amount × rate × 10^(exp(to) − exp(from))),
 * exact in bigint. Flooring never credits more than the rate pays for; a fraction of the smallest unit is dropped.
 */
export function convert(amount: bigint, rate: Rate, from: string, to: string): bigint {
  if (amount < 0n) throw new RangeError(`Cannot convert a negative amount: ${amount}`);
  // The rate divides by 10^scale, and moving from `from` minor units to `to` minor units multiplies by the
  // difference of exponents; whatever power of ten is left over is one multiplication or one floor division.
  const shift = rate.scale + currencyExponent(from) - currencyExponent(to);
  const product = amount * rate.mantissa;
  return shift <= 0 ? product * 10n ** BigInt(-shift) : product / 10n ** BigInt(shift);
}
