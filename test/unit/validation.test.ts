import * as z from 'zod/mini';
import { amountSchema, currencySchema, limitSchema } from '../../shared/schemas/common';
import { parseInput } from '../../shared/schemas/validation';
import { credentialsBody } from '../../shared/schemas/users';

const payment = z.strictObject({ amount: amountSchema, currency: currencySchema, note: z.optional(z.string()) });

const failure = (
  schema: z.ZodMiniType,
  input: unknown,
): { code: string; errors?: { path: string; message: string }[] } => {
  try {
    parseInput(schema, input);
  } catch (error) {
    return error as { code: string; errors?: { path: string; message: string }[] };
  }
  throw new Error('expected a failure');
};

describe('parseInput', () => {
  it.each([
    ['zero', 0],
    ['a negative amount', -1],
    ['a fractional amount', 1.5],
    ['a string amount', '100'],
    ['an amount above 2^53-1', 2 ** 53],
    ['null', null],
  ])('refuses %s as an amount', (_case, amount) => {
    expect(failure(payment, { amount, currency: 'USD' })).toMatchObject({
      code: 'validation_error',
      errors: [{ path: 'amount' }],
    });
  });

  it('accepts the largest safe integer as an amount', () => {
    expect(parseInput(payment, { amount: Number.MAX_SAFE_INTEGER, currency: 'USD' })).toEqual({
      amount: Number.MAX_SAFE_INTEGER,
      currency: 'USD',
    });
  });

  it('answers unsupported_currency when an unknown code is the only fault', () => {
    expect(failure(payment, { amount: 1, currency: 'XYZ' })).toMatchObject({
      code: 'unsupported_currency',
      errors: [{ path: 'currency' }],
    });
  });

  it('answers validation_error listing every field when an unknown code comes with other faults', () => {
    const error = failure(payment, { amount: -1, currency: 'XYZ' });

    expect(error.code).toBe('validation_error');
    expect(error.errors?.map((e) => e.path).sort()).toEqual(['amount', 'currency']);
  });

  it('reports each unknown field at its own path', () => {
    const error = failure(payment, { amount: 1, currency: 'USD', balance: 5, role: 'admin' });

    expect(error.errors).toEqual([
      { path: 'balance', message: 'is not a known field' },
      { path: 'role', message: 'is not a known field' },
    ]);
  });

  it('says what is wrong in words a client can act on', () => {
    const error = failure(credentialsBody, { email: 'nope', password: 'short' });

    expect(error.errors).toEqual([
      { path: 'email', message: 'must be a valid email' },
      { path: 'password', message: 'must be at least 10 characters long' },
    ]);
    expect(failure(credentialsBody, {}).errors).toContainEqual({ path: 'email', message: 'is required' });
  });

  it.each([
    ['a domain label ending with a hyphen', 'ada@mail-.example.com'],
    ['a domain label starting with a hyphen', 'ada@-mail.example.com'],
    ['a domain label of 64 characters', `ada@${'a'.repeat(64)}.com`],
    ['a local part of 65 characters', `${'a'.repeat(65)}@example.com`],
    ['two dots in a row', 'ada..lovelace@example.com'],
    ['a local part ending with a dot', 'ada.@example.com'],
    ['a numeric top-level domain', 'ada@example.123'],
    ['an underscore in the domain', 'ada@mail_server.example.com'],
  ])('refuses, as the email format does, %s', (_case, email) => {
    expect(failure(credentialsBody, { email, password: 'correct horse battery' }).errors).toEqual([
      { path: 'email', message: 'must be a valid email' },
    ]);
  });

  it.each(['\u000bAda', 'Ada\t', '\u0085Ada'])(
    'refuses a name with a control character, even where trimming would drop it: %j',
    (name) => {
      expect(
        failure(credentialsBody, { email: 'ada@example.com', password: 'correct horse battery', name }).errors,
      ).toEqual([{ path: 'name', message: 'must not contain control characters' }]);
    },
  );

  it.each([' ', '\u3000\u00a0', '\ufeff \u2028'])('refuses a blank name, which trimming would empty: %j', (name) => {
    expect(
      failure(credentialsBody, { email: 'ada@example.com', password: 'correct horse battery', name }).errors,
    ).toEqual([{ path: 'name', message: 'must not be blank' }]);
  });

  it('counts a name as sent, as the document does, and keeps it trimmed', () => {
    const body = (name: string) => ({ email: 'ada@example.com', password: 'correct horse battery', name });
    expect(parseInput(credentialsBody, body(`  ${'a'.repeat(98)}`))).toMatchObject({ name: 'a'.repeat(98) });
    expect(failure(credentialsBody, body(` ${'a'.repeat(100)}`)).errors).toEqual([
      { path: 'name', message: 'must be at most 100 characters long' },
    ]);
  });

  it.each(["o'brien+billing@example.co.uk", 'ADA@Example.COM', `${'a'.repeat(64)}@${'b'.repeat(63)}.com`])(
    'accepts the address %s',
    (email) => {
      expect(parseInput(credentialsBody, { email, password: 'correct horse battery' })).toMatchObject({
        email: email.toLowerCase(),
      });
    },
  );

  it.each(['0', '101', '1.5', '-1', 'ten', ''])('refuses the page size %p', (limit) => {
    expect(limitSchema.safeParse(limit).success).toBe(false);
  });
});
