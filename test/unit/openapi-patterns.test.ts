import { execFileSync } from 'node:child_process';
import { buildOpenApiDocument } from '../../functions/openapi/document';

/** Every `pattern` of the document, wherever it stands, once each. */
const patternsOf = (node: unknown, found = new Set<string>()): Set<string> => {
  if (Array.isArray(node)) for (const item of node) patternsOf(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') found.add(value);
      else patternsOf(value, found);
    }
  }
  return found;
};

const patterns = [...patternsOf(buildOpenApiDocument())];

// Each probe is tried against every pattern by both engines, which must agree on every answer.
const probes = ['', 'USD', 'Main account', 'tab\there', 'bell\u0007', 'next\u0085line', '2026-11-27T15:04:05Z', 'é'];

/** Python's `re`, a second engine unlike ECMAScript's: it compiles each pattern and answers whether each probe matches. */
const pythonMatches = (): boolean[][] => {
  const script = [
    'import json, re, sys',
    'patterns, probes = json.load(sys.stdin)',
    'print(json.dumps([[re.search(p, s) is not None for s in probes] for p in [re.compile(p) for p in patterns]]))',
  ].join('\n');
  const output = execFileSync('python3', ['-c', script], { input: JSON.stringify([patterns, probes]) });
  return JSON.parse(output.toString()) as boolean[][];
};

describe('the patterns of the OpenAPI document', () => {
  it('are there to check', () => {
    expect(patterns.length).toBeGreaterThan(3);
  });

  it('use no Unicode property escapes, which many engines cannot read', () => {
    expect(patterns.filter((pattern) => /\\[pP]\{/.test(pattern))).toEqual([]);
  });

  it('compile in Python and match exactly what they match in ECMAScript', () => {
    const ecmascript = patterns.map((pattern) => probes.map((probe) => new RegExp(pattern, 'u').test(probe)));

    expect(pythonMatches()).toEqual(ecmascript);
  });
});
