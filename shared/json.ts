/** JSON for the wire: exact integers for bigints, which JSON.stringify cannot write. */
import { randomUUID } from 'node:crypto';

// JSON.stringify cannot write a bigint. Balances are bigints, so each is first swapped for a marker string no input
// can forge (it is random per process) and the marker's quotes are then dropped, leaving an exact JSON integer.
const marker = `bigint:${randomUUID()}:`;
const markedBigint = new RegExp(`"${marker}(-?[0-9]+)"`, 'g');

export const stringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v)).replace(
    markedBigint,
    '$1',
  );

/**
 * What a number literal written with a fraction or an exponent (`1.0`, `1e2`) becomes in a parsed body. JSON.parse
 * reads `1.0` as the integer 1, but the contract says such a literal is not an integer: standing in for it, this
 * object fails every schema (an integer, a string…) with the message of the type expected there.
 */
export class NonIntegerLiteral {
  constructor(readonly literal: string) {}
}

type PathStep = string | number;

/** The paths of the number literals with a fraction or an exponent in a JSON text that JSON.parse accepted. */
const nonIntegerLiterals = (text: string): { path: PathStep[]; literal: string }[] => {
  if (!/[.eE]/.test(text)) return [];
  const found: { path: PathStep[]; literal: string }[] = [];
  // One frame per open container: an array counts its items, an object remembers the key being read.
  const stack: { index: number; key: string | undefined; isArray: boolean }[] = [];
  const path = () => stack.map((frame) => (frame.isArray ? frame.index : (frame.key ?? '')));
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectingKey && top) top.key = JSON.parse(text.slice(i, end + 1)) as string;
      expectingKey = false;
      i = end;
    } else if (char === '{' || char === '[') {
      stack.push({ index: 0, key: undefined, isArray: char === '[' });
      expectingKey = char === '{';
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      const top = stack.at(-1);
      if (top?.isArray) top.index++;
      else expectingKey = true;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      const literal = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i))?.[0] ?? char;
      if (/[.eE]/.test(literal)) found.push({ path: path(), literal });
      i += literal.length - 1;
    }
  }
  return found;
};

/** JSON.parse, with every number literal written with a fraction or an exponent replaced by a `NonIntegerLiteral`. */
export const parseJson = (text: string): unknown => {
  const value = JSON.parse(text) as unknown;
  let root = value;
  for (const { path, literal } of nonIntegerLiterals(text)) {
    const marked = new NonIntegerLiteral(literal);
    if (path.length === 0) {
      root = marked;
      continue;
    }
    const parent = path.slice(0, -1).reduce<unknown>((node, step) => (node as Record<PathStep, unknown>)[step], root);
    // Defined, not assigned: a key named `__proto__` must stay a plain property.
    Object.defineProperty(parent, path.at(-1) ?? '', { value: marked, enumerable: true, writable: true });
  }
  return root;
};
