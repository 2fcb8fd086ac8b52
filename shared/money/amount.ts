/**
 * Integer money. Amounts are bigint minor units end to end; decimal text is produced and read with string and bigint
 * operations only, because a binary float cannot hold 0.1 exactly and silently loses cents above 2^53.
 */
import { currencyExponent } from './currencies';

// JSON numbers are IEEE doubles: past 2^53 - 1 two different amounts can arrive as the same number.
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

// Optional sign, at least one integer digit, and a fraction only if it has digits: no exponent, blanks, '+', '.5' or
// '1.', so every accepted string means exactly one amount.
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function toBigInt(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new RangeError(`Not a safe integer amount: ${String(n)}`);
  return BigInt(n);
}

export function formatMinor(amount: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === 0) return amount.toString();
  const sign = amount < 0n ? '-' : '';
  const digits = (amount < 0n ? -amount : amount).toString().padStart(exponent + 1, '0');
  const split = digits.length - exponent;
  return `${sign}${digits.slice(0, split)}.${digits.slice(split)}`;
}

export function parseMajor(decimal: string, currency: string): bigint {
  const exponent = currencyExponent(currency);
  const match = PLAIN_DECIMAL.exec(decimal);
  if (!match) throw new RangeError(`Not a plain decimal amount: ${JSON.stringify(decimal)}`);
  const [, sign = '', whole = '', fraction = ''] = match;
  // Rounding would invent or lose money, so extra precision is the caller's error, not ours to fix.
  if (fraction.length > exponent) {
    throw new RangeError(`${currency} allows at most ${exponent} decimal places: ${JSON.stringify(decimal)}`);
  }
  return BigInt(`${sign}${whole}${fraction.padEnd(exponent, '0')}`);
}
