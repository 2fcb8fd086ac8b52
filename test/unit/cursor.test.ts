import fc from 'fast-check';
import * as z from 'zod/mini';
import {
  CURSOR_MAX_LENGTH,
  CURSOR_MIN_LENGTH,
  CURSOR_PATTERN,
  decodeCursor,
  encodeCursor,
} from '../../shared/adapters/cursor';
import { ValidationError } from '../../shared/errors';
import { pageQueryShape } from '../../shared/schemas/common';

const pattern = new RegExp(CURSOR_PATTERN);
const anyObject = z.record(z.string(), z.unknown());

// What lists put in a cursor: keys that are names or ids, values that are ids, numbers, sort values, nulls.
const cursorContent = fc.dictionary(
  fc.stringMatching(/^[a-z][A-Za-z0-9_#-]{0,30}$/),
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.integer(),
    fc.constant(null),
    fc.record({ s: fc.string({ unit: 'binary', maxLength: 100 }) }),
  ),
  { minKeys: 1, maxKeys: 6 },
);

const encodedLength = (value: object) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url').length;

describe('page cursors', () => {
  it('always have the form the document gives them, and read back as what was written', () => {
    fc.assert(
      fc.property(
        cursorContent.filter((value) => encodedLength(value) <= CURSOR_MAX_LENGTH),
        (value) => {
          const cursor = encodeCursor(value);

          expect(cursor).toMatch(pattern);
          expect(cursor.length).toBeGreaterThanOrEqual(CURSOR_MIN_LENGTH);
          expect(decodeCursor(cursor, anyObject)).toEqual(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('end in each of the ways a closing brace can be encoded', () => {
    expect(encodeCursor({ a: 0 })).toMatch(/fQ$/);
    expect(encodeCursor({ a: 10 })).toMatch(/[HXn3]0$/);
    expect(encodeCursor({ a: 100 })).toMatch(/9$/);
  });

  it('are never issued beyond the length the document allows', () => {
    expect(() => encodeCursor({ after: 'x'.repeat(CURSOR_MAX_LENGTH) })).toThrow(/outside what the document allows/);
  });

  it('refuse, as the query schema, a string that cannot be a cursor', () => {
    const query = z.strictObject(pageQueryShape);

    for (const cursor of [
      '0',
      'e30',
      'eyJhIjowfQ=',
      'eyJhIjowfR',
      'eyJhIjow fQ',
      `eyJ${'A'.repeat(CURSOR_MAX_LENGTH)}fQ`,
    ]) {
      expect(query.safeParse({ cursor }).success).toBe(false);
    }
    expect(query.safeParse({ cursor: encodeCursor({ after: 'USD/EUR' }) }).success).toBe(true);
  });

  it('that have the form of a cursor but do not decode to one are a validation error on cursor', () => {
    const cursor = 'eyJAAAAAfQ';
    const shape = z.object({ after: z.string() });

    expect(cursor).toMatch(pattern);
    expect(() => decodeCursor(cursor, shape)).toThrow(ValidationError);
  });
});
