import fc from 'fast-check';

import { formatMinor, MAX_AMOUNT, parseMajor, toBigInt } from '../../shared/money/amount';
import {
  CURRENCY_EXPONENTS,
  currencyExponent,
  isSupportedCurrency,
  SUPPORTED_CURRENCIES,
} from '../../shared/money/currencies';

describe('currency table', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['ISK', 0],
    ['XAF', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['IQD', 3],
    ['CLF', 4],
    ['UYW', 4],
  ])('gives %s %i decimals as ISO 4217 does', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(['IRR', 'LAK', 'MGA', 'IDR', 'HUF', 'COP'])(
    'gives %s the ISO exponent 2 even where CLDR formats it with none',
    (code) => {
      expect(currencyExponent(code)).toBe(2);
    },
  );

  it.each(['ZWG', 'SLE', 'VES', 'VED', 'XCG', 'ANG'])('supports the currently listed %s', (code) => {
    expect(isSupportedCurrency(code)).toBe(true);
  });

  it.each([
    ['usd', 'lower case'],
    ['Usd', 'mixed case'],
    [' USD', 'padded'],
    ['', 'empty'],
    ['XYZ', 'unassigned'],
    ['XAU', 'without a minor unit'],
    ['XDR', 'without a minor unit'],
    ['XXX', 'without a minor unit'],
    ['HRK', 'withdrawn'],
    ['SLL', 'withdrawn'],
    ['VEF', 'withdrawn'],
    ['toString', 'an inherited property name'],
    ['constructor', 'an inherited property name'],
    ['__proto__', 'an inherited property name'],
  ])('rejects %j (%s)', (code) => {
    expect(isSupportedCurrency(code)).toBe(false);
    expect(() => currencyExponent(code)).toThrow(RangeError);
  });

  it('only uses exponents 0, 2, 3 and 4', () => {
    const exponents = new Set(Object.values(CURRENCY_EXPONENTS));
    expect([...exponents].sort()).toEqual([0, 2, 3, 4]);
  });

  it('lists more than 150 codes, sorted, unique and all three upper-case letters', () => {
    expect(SUPPORTED_CURRENCIES.length).toBeGreaterThan(150);
    expect([...SUPPORTED_CURRENCIES].sort()).toEqual(SUPPORTED_CURRENCIES);
    expect(new Set(SUPPORTED_CURRENCIES).size).toBe(SUPPORTED_CURRENCIES.length);
    expect(SUPPORTED_CURRENCIES.filter((code) => !/^[A-Z]{3}$/.test(code))).toEqual([]);
    expect([...SUPPORTED_CURRENCIES]).toEqual(Object.keys(CURRENCY_EXPONENTS).sort());
  });

  it('cannot be changed at runtime', () => {
    expect(Object.isFrozen(CURRENCY_EXPONENTS)).toBe(true);
    expect(Object.isFrozen(SUPPORTED_CURRENCIES)).toBe(true);
    expect(() => {
      (CURRENCY_EXPONENTS as Record<string, number>).USD = 3;
    }).toThrow(TypeError);
    expect(currencyExponent('USD')).toBe(2);
  });
});

describe('toBigInt', () => {
  it.each([0, -0, 1, -1, 1234, MAX_AMOUNT, -MAX_AMOUNT])('converts the safe integer %d exactly', (n) => {
    expect(toBigInt(n)).toBe(BigInt(n));
  });

  it('keeps the largest JSON-safe amount, 2^53 - 1', () => {
    expect(toBigInt(MAX_AMOUNT)).toBe(2n ** 53n - 1n);
  });

  it.each([0.5, -0.01, MAX_AMOUNT + 1, -(MAX_AMOUNT + 1), Number.NaN, Number.POSITIVE_INFINITY, 1e21])(
    'rejects %d, which is not a safe integer',
    (n) => {
      expect(() => toBigInt(n)).toThrow(RangeError);
    },
  );
});

describe('formatMinor and parseMajor', () => {
  it.each([
    [1234n, 'USD', '12.34'],
    [-5n, 'USD', '-0.05'],
    [0n, 'USD', '0.00'],
    [100n, 'USD', '1.00'],
    [1000n, 'JPY', '1000'],
    [-1000n, 'JPY', '-1000'],
    [0n, 'JPY', '0'],
    [1234n, 'BHD', '1.234'],
    [-1n, 'BHD', '-0.001'],
    [12345n, 'CLF', '1.2345'],
    [9007199254740991n, 'USD', '90071992547409.91'],
    [-9007199254740991n, 'KWD', '-9007199254740.991'],
    [2n ** 64n + 7n, 'USD', '184467440737095516.23'],
    [-(2n ** 80n), 'CLF', '-120892581961462917470.6176'],
  ])('writes %s minor %s as %j and reads it back', (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
    expect(parseMajor(text, currency)).toBe(minor);
  });

  it.each([
    ['12.3', 'USD', 1230n],
    ['12', 'USD', 1200n],
    ['-0', 'USD', 0n],
    ['-0.00', 'USD', 0n],
    ['007.50', 'USD', 750n],
    ['1000', 'JPY', 1000n],
    ['1.2', 'BHD', 1200n],
  ])('reads the shorter or padded form %j %s as %s minor units', (text, currency, minor) => {
    expect(parseMajor(text, currency)).toBe(minor);
  });

  it.each([
    ['1.234', 'USD'],
    ['1.0', 'JPY'],
    ['0.12345', 'CLF'],
    ['1e5', 'USD'],
    ['', 'USD'],
    [' 1', 'USD'],
    ['1 ', 'USD'],
    ['1.', 'USD'],
    ['.5', 'USD'],
    ['+1', 'USD'],
    ['--1', 'USD'],
    ['1,00', 'USD'],
    ['0x10', 'USD'],
    ['Infinity', 'USD'],
    ['NaN', 'USD'],
    ['١٢', 'USD'],
  ])('refuses %j for %s rather than guess', (text, currency) => {
    expect(() => parseMajor(text, currency)).toThrow(RangeError);
  });

  it('refuses an unsupported currency in either direction', () => {
    expect(() => formatMinor(1n, 'usd')).toThrow(RangeError);
    expect(() => parseMajor('1', 'XAU')).toThrow(RangeError);
  });

  it('reads back whatever it writes, for any amount and any supported currency', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt(), fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n })),
        fc.constantFrom(...SUPPORTED_CURRENCIES),
        (minor, currency) => {
          expect(parseMajor(formatMinor(minor, currency), currency)).toBe(minor);
        },
      ),
    );
  });
});
