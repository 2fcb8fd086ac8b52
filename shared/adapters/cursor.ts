import * as z from 'zod/mini';
import { ValidationError } from '../errors';

/**
 * Page cursors are opaque to clients: base64url JSON that only the list that issued it can read back. Whatever
 * comes back is validated against the shape that list expects, so a forged cursor is a 400, never a DynamoDB error.
 */
export const encodeCursor = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

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
