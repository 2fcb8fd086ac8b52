import * as z from 'zod/mini';
import { NonIntegerLiteral, parseJson, stringify } from '../../shared/json';
import { amountSchema } from '../../shared/schemas/common';
import { parseInput } from '../../shared/schemas/validation';

describe('stringify', () => {
  it('writes bigints as exact JSON integers', () => {
    expect(stringify({ balance: 2n ** 64n + 1n, negative: -5n, list: [1n] })).toBe(
      '{"balance":18446744073709551617,"negative":-5,"list":[1]}',
    );
  });

  it('leaves strings that look like numbers alone', () => {
    expect(JSON.parse(stringify({ name: 'bigint:123', amount: '42' }))).toEqual({ name: 'bigint:123', amount: '42' });
  });
});

describe('parseJson', () => {
  it('replaces every number literal written with a fraction or an exponent, wherever it stands', () => {
    const parsed = parseJson('{"a":1.0,"b":[2,3e0,{"c":-4.5E+2}],"d":"1.5","e":7}') as Record<string, unknown>;

    expect(parsed.a).toEqual(new NonIntegerLiteral('1.0'));
    expect(parsed.b).toEqual([2, new NonIntegerLiteral('3e0'), { c: new NonIntegerLiteral('-4.5E+2') }]);
    expect(parsed.d).toBe('1.5');
    expect(parsed.e).toBe(7);
  });

  it('reads keys and strings with escapes and brackets without losing its place', () => {
    const parsed = parseJson('{"x\\"]":"a,{\\"b","y":[1e2]}') as Record<string, unknown>;

    expect(parsed).toEqual({ 'x"]': 'a,{"b', y: [new NonIntegerLiteral('1e2')] });
  });

  it('keeps a __proto__ key a plain property', () => {
    const parsed = parseJson('{"__proto__":1.5}') as Record<string, unknown>;

    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual(new NonIntegerLiteral('1.5'));
  });

  it('fails an integer schema with "must be an integer" and a string schema with "must be a string"', () => {
    const body = parseJson('{"amount":1e2,"description":2.5}');

    expect(() => parseInput(z.strictObject({ amount: amountSchema, description: z.string() }), body)).toThrow(
      expect.objectContaining({
        errors: [
          { path: 'amount', message: 'must be an integer' },
          { path: 'description', message: 'must be a string' },
        ],
      }),
    );
  });
});
