import * as z from 'zod/mini';
import { decodeCursor, encodeCursor } from './adapters/cursor';
import { ValidationError } from './errors';

const shape = z.object({ order: z.string(), after: z.string().check(z.minLength(1), z.maxLength(128)) });

/**
 * The cursor of a list that follows an index in key order: the key it stopped at, and the order it was read in (a
 * list may be read both ways). A page resumes strictly past that key.
 */
export const positionCursor = (order: string, after: string): string => encodeCursor({ order, after });

/** Where a page of this order resumes; a cursor of another list or order is a 400. */
export const readPositionCursor = (cursor: string, order: string): string => {
  const decoded = decodeCursor(cursor, shape);
  if (decoded.order !== order) {
    throw new ValidationError([{ path: 'cursor', message: 'was issued for another sort order' }]);
  }
  return decoded.after;
};
