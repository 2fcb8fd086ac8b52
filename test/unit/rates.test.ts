import fc from 'fast-check';

import { CURRENCY_EXPONENTS, currencyExponent, SUPPORTED_CURRENCIES } from '../../shared/money/currencies';
import {
  convert,
  MAX_RATE_LENGTH,
  MAX_RATE_SIGNIFICANT_DIGITS,
  parseRate,
  RATE_PATTERN,
  rateProblem,
} from '../../shared/money/rates';

const SYNTAX = 'must be a positive decimal string, e.g. "1.0850"';
const ZERO = 'must be greater than zero';
const TOO_PRECISE = 'must have at most 12 significant digits';
const TOO_LONG = 'must be at most 32 characters';

const MAX_SAFE = 2n ** 53n - 1n;

// A rate's decimal text for digits / 10^scale, written independently of the parser; a negative scale appends zeros to
// the integer part, and `padding` appends zeros to the fraction that do not change the value.
function decimalText(digits: bigint, scale: number, padding: number): string {
  const zeros = '0'.repeat(padding);
  if (scale <= 0) return `${digits}${'0'.repeat(-scale)}${padding > 0 ? `.${zeros}` : ''}`;
  const text = digits.toString().padStart(scale + 1, '0');
  return `${text.slice(0, -scale)}.${text.slice(-scale)}${zeros}`;
}

// The RangeError message parseRate throws for `text`, or undefined if it reads it.
function parseFailure(text: string): string | undefined {
  try {
    parseRate(text);
    return undefined;
  } catch (error) {
    if (error instanceof RangeError) return error.message;
    throw error;
  }
}

// Zeros appended to the integer part count as significant ("1500" has 4), so a negative scale only goes as far as the
// 12-digit limit allows.
const quotedRate = fc
  .bigInt({ min: 1n, max: 10n ** BigInt(MAX_RATE_SIGNIFICANT_DIGITS) - 1n })
  .chain((digits) =>
    fc.record({
      digits: fc.constant(digits),
      scale: fc.integer({ min: digits.toString().length - MAX_RATE_SIGNIFICANT_DIGITS, max: 18 }),
      padding: fc.integer({ min: 0, max: 3 }),
    }),
  )
  .map((quote) => ({ ...quote, text: decimalText(quote.digits, quote.scale, quote.padding) }));
const amount = fc.oneof(fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 0n, max: MAX_SAFE }));
const currency = fc.constantFrom(...SUPPORTED_CURRENCIES);

describe('parseRate', () => {
  it.each([
    ['1', 1n, 0],
    ['1.0850', 1085n, 3],
    ['151.37', 15137n, 2],
    ['0.0066', 66n, 4],
    ['0.1', 1n, 1],
    ['10', 10n, 0],
    ['1500', 1500n, 0],
    ['1.50000', 15n, 1],
    ['1.0', 1n, 0],
    ['123456789012', 123456789012n, 0],
    ['0.000123456789012', 123456789012n, 15],
    ['1234567.89012', 123456789012n, 5],
    ['1.08499999999', 108499999999n, 11],
    ['1.00000000001', 100000000001n, 11],
    ['1.50000000000000', 15n, 1],
    ['1.23456789012000000000', 123456789012n, 11],
    ['123456789012.0000000', 123456789012n, 0],
    ['100000000000', 10n ** 11n, 0],
  ])('reads %j as mantissa %s over 10^%i', (text, mantissa, scale) => {
    expect(rateProblem(text)).toBeUndefined();
    expect(parseRate(text)).toEqual({ text, mantissa, scale });
  });

  it('accepts exactly 32 characters and refuses 33', () => {
    const smallest = `0.${'0'.repeat(29)}1`;
    const largest = `999999999999.${'0'.repeat(19)}`;
    expect([smallest.length, largest.length]).toEqual([MAX_RATE_LENGTH, MAX_RATE_LENGTH]);
    expect(parseRate(smallest)).toEqual({ text: smallest, mantissa: 1n, scale: 30 });
    expect(parseRate(largest)).toEqual({ text: largest, mantissa: 999_999_999_999n, scale: 0 });
    expect(rateProblem(`0.${'0'.repeat(30)}1`)).toBe(TOO_LONG);
    expect(rateProblem(`${largest}0`)).toBe(TOO_LONG);
    expect(rateProblem(`1.${'0'.repeat(31)}`)).toBe(TOO_LONG);
  });

  it.each([
    ['', SYNTAX],
    [' 1', SYNTAX],
    ['1 ', SYNTAX],
    ['1\n', SYNTAX],
    ['1 .5', SYNTAX],
    ['+1', SYNTAX],
    ['-1', SYNTAX],
    ['-0.5', SYNTAX],
    ['1e5', SYNTAX],
    ['1E-3', SYNTAX],
    ['.5', SYNTAX],
    ['1.', SYNTAX],
    ['007', SYNTAX],
    ['00.5', SYNTAX],
    ['01.5', SYNTAX],
    ['00', SYNTAX],
    ['1,5', SYNTAX],
    ['1_000', SYNTAX],
    ['1.2.3', SYNTAX],
    ['0x10', SYNTAX],
    ['Infinity', SYNTAX],
    ['NaN', SYNTAX],
    ['١٢', SYNTAX],
    ['１', SYNTAX],
    ['0', ZERO],
    ['0.0', ZERO],
    ['0.000', ZERO],
    [`0.${'0'.repeat(30)}`, ZERO],
    ['1234567890123', TOO_PRECISE],
    ['0.0001234567890123', TOO_PRECISE],
    ['12345678901.23', TOO_PRECISE],
    ['1.000000000001', TOO_PRECISE],
    ['1.23456789012345', TOO_PRECISE],
    ['1234567890123000', TOO_PRECISE],
    ['1000000000000', TOO_PRECISE],
    [`0.${'0'.repeat(31)}`, TOO_LONG],
    [`1${'2'.repeat(40)}`, TOO_LONG],
  ])('refuses %j: it %s', (text, problem) => {
    expect(rateProblem(text)).toBe(problem);
    expect(() => parseRate(text)).toThrow(new RangeError(`Rate ${JSON.stringify(text)} ${problem}`));
  });

  it('reads every well-formed rate of up to 12 significant digits as its exact value and keeps its text', () => {
    fc.assert(
      fc.property(quotedRate, ({ digits, scale, text }) => {
        const rate = parseRate(text);
        expect(rate.text).toBe(text);
        // mantissa / 10^rate.scale = digits / 10^scale, cross-multiplied so that only integers are compared.
        const left = rate.mantissa * 10n ** BigInt(Math.max(scale, 0));
        const right = digits * 10n ** BigInt(rate.scale + Math.max(-scale, 0));
        expect(left).toBe(right);
      }),
    );
  });

  it('reports a problem exactly when parseRate throws, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-+0-9.e ]{0,34}$/)), (text) => {
        const problem = rateProblem(text);
        expect(parseFailure(text)).toBe(problem === undefined ? undefined : `Rate ${JSON.stringify(text)} ${problem}`);
      }),
    );
  });
});

describe('the pattern the document gives a rate', () => {
  const documented = new RegExp(RATE_PATTERN);
  const accepted = (text: string) => text.length <= MAX_RATE_LENGTH && documented.test(text);

  it('matches, within the documented length, exactly the rates that are read', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[0-9.]{0,34}$/),
          fc.stringMatching(/^(0|[1-9][0-9]{0,14})(\.[0-9]{1,20})?$/),
          quotedRate.map(({ text }) => text),
          fc.stringMatching(documented),
        ),
        (text) => {
          expect(accepted(text)).toBe(rateProblem(text) === undefined);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each(['1', '0.0066', '151.37', '0.923456789012', '123456789012', '1.50000000000000', '0.000000000001'])(
    'includes %s',
    (text) => {
      expect(accepted(text)).toBe(true);
    },
  );

  it.each(['0', '0.000', '1.', '.5', '01', '1234567890123', '1.234567890123', '1e2', '-1', ' 1'])(
    'excludes %s',
    (text) => {
      expect(accepted(text)).toBe(false);
    },
  );
});

describe('convert', () => {
  it.each([
    [10_000n, '151.37', 'USD', 'JPY', 15_137n],
    [100n, '0.0066', 'JPY', 'USD', 66n],
    [1_000n, '0.0066', 'JPY', 'USD', 660n],
    [1n, '0.0066', 'JPY', 'USD', 0n],
    [1_000n, '2.6526', 'BHD', 'USD', 265n],
    [100n, '0.376', 'USD', 'BHD', 376n],
    [1_000n, '409.57', 'BHD', 'JPY', 409n],
    [1n, '409.57', 'BHD', 'JPY', 0n],
    [1_000n, '0.00244', 'JPY', 'BHD', 2_440n],
    [10_000n, '39.7632', 'CLF', 'USD', 3_976n],
    [10_000n, '0.025149', 'USD', 'CLF', 25_149n],
    [12_345n, '5950.5', 'CLF', 'JPY', 7_345n],
    [12_345n, '1.2345', 'CLF', 'BHD', 1_523n],
    [1n, '0.0000267', 'CLP', 'CLF', 0n],
    [100_000n, '0.0000267', 'CLP', 'CLF', 26_700n],
    [0n, '151.37', 'USD', 'JPY', 0n],
  ])('converts %s minor units at %j from %s to %s into %s', (value, rate, from, to, expected) => {
    expect(convert(value, parseRate(rate), from, to)).toBe(expected);
  });

  // Expected values computed outside this code base with Python's fractions.Fraction. Number arithmetic gets the
  // first one wrong (9772811191303904): the exact product is 9772811191303903.99...
  it.each([
    ['1.08499999999', 'USD', 'EUR', 9_772_811_191_303_903n],
    ['0.00662251655629', 'JPY', 'USD', 5_965_032_619_032_516n],
    ['151.370000001', 'USD', 'JPY', 13_634_197_511_991_510n],
    ['2.65258620689', 'BHD', 'USD', 2_389_237_250_583_584n],
    ['0.00000123456789012', 'BHD', 'CLF', 111_199_989_798n],
  ])('converts 2^53 - 1 at the 12-digit rate %j from %s to %s exactly', (rate, from, to, expected) => {
    expect(convert(MAX_SAFE, parseRate(rate), from, to)).toBe(expected);
  });

  it.each([
    [100n, '0.149999999999', 'USD', 'USD', 14n],
    [1n, '14.9999999999', 'JPY', 'USD', 1_499n],
    [1_000n, '149.999999999', 'USD', 'JPY', 1_499n],
    [3n, '0.333333333333', 'EUR', 'USD', 0n],
  ])(
    'never rounds up: %s at %j from %s to %s, just under the next unit, gives %s',
    (value, rate, from, to, expected) => {
      expect(convert(value, parseRate(rate), from, to)).toBe(expected);
    },
  );

  it('lands exactly on a whole unit when the product is whole', () => {
    expect(convert(10n, parseRate('1.5'), 'USD', 'USD')).toBe(15n);
    // As doubles, 100 × 1.15 is 114.99999999999999, which a float implementation would floor to 114.
    expect(convert(100n, parseRate('1.15'), 'USD', 'EUR')).toBe(115n);
    expect(convert(3n, parseRate('0.333333333333'), 'JPY', 'USD')).toBe(99n);
  });

  it.each(['1', '1.0', '1.000000'])('returns the amount unchanged at rate %j between USD and EUR', (rate) => {
    expect(convert(MAX_SAFE, parseRate(rate), 'USD', 'EUR')).toBe(MAX_SAFE);
    expect(convert(1n, parseRate(rate), 'EUR', 'USD')).toBe(1n);
  });

  it('refuses a negative amount', () => {
    expect(() => convert(-1n, parseRate('1'), 'USD', 'EUR')).toThrow(RangeError);
  });

  it.each([
    ['usd', 'EUR'],
    ['USD', 'XAU'],
  ])('refuses an unsupported currency (%s to %s)', (from, to) => {
    expect(() => convert(1n, parseRate('1'), from, to)).toThrow(RangeError);
  });

  it('is floor(amount × rate × 10^(exp(to) − exp(from))) for any amount, rate and currency pair', () => {
    fc.assert(
      fc.property(amount, quotedRate, currency, currency, (value, { digits, scale, text }, from, to) => {
        // The exact result is numerator / denominator; r is its floor iff r × den <= num < (r + 1) × den.
        const numerator = value * digits * 10n ** BigInt(Math.max(-scale, 0) + currencyExponent(to));
        const denominator = 10n ** BigInt(Math.max(scale, 0) + currencyExponent(from));
        const result = convert(value, parseRate(text), from, to);
        expect(result * denominator <= numerator).toBe(true);
        expect(numerator < (result + 1n) * denominator).toBe(true);
      }),
    );
  });

  it('never gives less for more, for any rate and currency pair', () => {
    fc.assert(
      fc.property(amount, amount, quotedRate, currency, currency, (a, b, { text }, from, to) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const rate = parseRate(text);
        expect(convert(low, rate, from, to) <= convert(high, rate, from, to)).toBe(true);
      }),
    );
  });

  it('gives the same result whatever zeros trail the fraction of the rate', () => {
    fc.assert(
      fc.property(amount, quotedRate, currency, currency, (value, { digits, scale }, from, to) => {
        const short = convert(value, parseRate(decimalText(digits, scale, 0)), from, to);
        expect(convert(value, parseRate(decimalText(digits, scale, 3)), from, to)).toBe(short);
      }),
    );
  });

  it('is the identity at rate 1 between any two currencies with the same exponent', () => {
    const sameExponentPair = fc.constantFrom(...new Set(Object.values(CURRENCY_EXPONENTS))).chain((exponent) => {
      const peers = fc.constantFrom(...SUPPORTED_CURRENCIES.filter((code) => currencyExponent(code) === exponent));
      return fc.tuple(peers, peers);
    });
    fc.assert(
      fc.property(amount, sameExponentPair, fc.constantFrom('1', '1.0', '1.00000'), (value, [from, to], one) => {
        expect(convert(value, parseRate(one), from, to)).toBe(value);
      }),
    );
  });
});
