import * as z from 'zod/mini';
import { type FieldError, UnsupportedCurrencyError, ValidationError } from '../errors';

/** Marks a failed check whose error code is not `validation_error` but a more specific one of the contract. */
export const UNSUPPORTED_CURRENCY = 'unsupported_currency';

const typeNames: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'a boolean',
};

const sizeMessage = (issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, bound: 'least' | 'most'): string => {
  const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'string':
      return `must be at ${bound} ${limit} characters long`;
    case 'array':
      return `must have at ${bound} ${limit} items`;
    default:
      if (issue.code === 'too_small' && !issue.inclusive) return `must be greater than ${limit}`;
      if (issue.code === 'too_big' && !issue.inclusive) return `must be less than ${limit}`;
      return `must be at ${bound} ${limit}`;
  }
};

/** A message a client can act on, for each kind of zod issue (zod/mini ships no messages, to stay small). */
const describeIssue = (issue: z.core.$ZodIssue): string => {
  // A schema that names its own message knows better than a generic one; a missing field is still "required".
  if (issue.message !== 'Invalid input' && !(issue.code === 'invalid_type' && issue.input === undefined))
    return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return sizeMessage(issue, 'least');
    case 'too_big':
      return sizeMessage(issue, 'most');
    case 'invalid_format':
      return issue.format === 'regex' ? 'has an invalid format' : `must be a valid ${issue.format}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    case 'invalid_key':
      return `is not an allowed key: ${issue.issues.map(describeIssue).join('; ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message === 'Invalid input' ? 'is invalid' : issue.message;
  }
};

const joinPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/**
 * One entry per offending field, its faults joined in one message; an unknown key is reported at its own path, not
 * at its parent's.
 */
const toFieldErrors = (issues: readonly z.core.$ZodIssue[], prefix: readonly string[] = []): FieldError[] => {
  const byPath = new Map<string, string[]>();
  for (const issue of issues) {
    const entries =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => [joinPath([...prefix, ...issue.path, key]), 'is not a known field'] as const)
        : [[joinPath([...prefix, ...issue.path]), describeIssue(issue)] as const];
    for (const [path, message] of entries) {
      const messages = byPath.get(path) ?? [];
      if (!messages.includes(message)) messages.push(message);
      byPath.set(path, messages);
    }
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; ') }));
};

const isUnsupportedCurrency = (issue: z.core.$ZodIssue): boolean =>
  issue.code === 'custom' && (issue.params as { code?: string } | undefined)?.code === UNSUPPORTED_CURRENCY;

/**
 * Parses untrusted input or throws the contract's error: `unsupported_currency` when an unknown currency code is the
 * only thing wrong, otherwise `validation_error` listing every offending field.
 */
export const parseInput = <S extends z.ZodMiniType>(
  schema: S,
  input: unknown,
  prefix: readonly string[] = [],
): z.infer<S> => {
  // `reportInput` keeps each issue's input, so that a wrong type is not mistaken for a missing field.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const currencyIssue = issues.find(isUnsupportedCurrency);
  if (currencyIssue && issues.every(isUnsupportedCurrency)) {
    const field = joinPath([...prefix, ...currencyIssue.path]);
    throw new UnsupportedCurrencyError(String(readPath(input, currencyIssue.path)), field);
  }
  throw new ValidationError(toFieldErrors(issues, prefix));
};

const readPath = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  );
