import { stringify } from '../../shared/json';

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
