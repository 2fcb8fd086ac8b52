import * as z from 'zod/mini';
import { ValidationError } from '../errors';

/**
 * Page cursors are opaque to clients: base64url JSON that only the list that issued it can read back. Whatever
 * comes back is validated against the shape that list expects, so a forged cursor is a 400, never a DynamoDB error.
 *
 * What a cursor always looks like follows from that encoding, and the OpenAPI document states it, so that a string
 * that cannot be a cursor is refused by the document as well as by the list:
 * - it encodes a JSON object whose first key starts with a letter: `{"` and a byte from 0x40 on always encode as `eyJ`;
 * - base64url without padding is never one character past a multiple of four;
 * - the object's closing `}` encodes as a last character `9`, as `fQ`, or as one of `H`, `X`, `n`, `3` then `0`,
 *   depending on where the last three-byte group ends.
 */
const B64 = '[A-Za-z0-9_-]';
export const CURSOR_PATTERN = `^eyJ${B64}(?:${B64}{4})*(?:${B64}{3}9|fQ|${B64}[HXn3]0)$`;

/** `{"a":0}`, the smallest object a cursor may hold, is 10 characters. */
export const CURSOR_MIN_LENGTH = 10;

/**
 * The largest cursor a list issues is a sort cursor by account name (100 characters, each escaped as `\uXXXX` at
 * worst): about 900 characters. The bound also keeps a URL with a cursor well within API Gateway's 10 KB request line.
 */
export const CURSOR_MAX_LENGTH = 1024;

const cursorPattern = new RegExp(CURSOR_PATTERN);

export const encodeCursor = (value: Readonly<Record<string, unknown>>): string => {
  const cursor = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  // An invariant of the document, cheap to check: every cursor issued is one the document says a cursor is.
  if (cursor.length < CURSOR_MIN_LENGTH || cursor.length > CURSOR_MAX_LENGTH || !cursorPattern.test(cursor)) {
    throw new Error(`A cursor of ${cursor.length} characters is outside what the document allows`);
  }
  return cursor;
};

export const decodeCursor = <S extends z.ZodMiniType>(cursor: string, schema: S): z.infer<S> => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const result = schema.safeParse(decoded);
  if (!result.success) throw new ValidationError([{ path: 'cursor', message: 'is not a cursor from this list' }]);
  return result.data;
};
