/**
 * Amounts are integer minor units. The exponent of a currency comes from Intl, which is enough to show an amount;
 * the ledger itself never relies on it.
 */
export const exponentOf = (currency: string): number => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
};

/** `123456, 'USD'` → `1,234.56`, digit by digit, so that no amount goes through a float. */
export const formatMinor = (amount: number, currency: string): string => {
  const exponent = exponentOf(currency);
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  const whole = BigInt(digits.slice(0, digits.length - exponent)).toLocaleString('en');
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
};

export const formatMoney = (amount: number, currency: string): string => `${formatMinor(amount, currency)} ${currency}`;

/** For a chart's axis only: an amount in major units, as a float. */
export const toMajor = (amount: number, currency: string): number => amount / 10 ** exponentOf(currency);

/** `"12.5", 'USD'` → `1250`; undefined for anything that is not a plain positive decimal within the exponent. */
export const parseMajor = (text: string, currency: string): number | undefined => {
  const exponent = exponentOf(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match || (match[2] ?? '').length > exponent) return undefined;
  const minor = Number(`${match[1] ?? ''}${(match[2] ?? '').padEnd(exponent, '0')}`);
  return Number.isSafeInteger(minor) && minor > 0 ? minor : undefined;
};

export const formatTime = (iso: string | undefined): string =>
  iso === undefined
    ? ''
    : new Date(iso)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
