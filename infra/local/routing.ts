import { type RouteSpec, routes } from '../../functions/manifest';
import { decode } from './helpers';

/** A segment of a route's path template: a literal, a `{param}`, or a greedy `{param+}` that takes the rest. */
type Segment = { literal: string } | { param: string; greedy: boolean };

const compiled = routes.map((spec) => {
  const segments = spec.path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const param = /^\{([^{}]+?)(\+?)\}$/.exec(part);
      return param?.[1] ? { param: param[1], greedy: param[2] === '+' } : { literal: part };
    });
  // API Gateway prefers the most specific route: a literal segment over a parameter, a parameter over a greedy one,
  // segment by segment; as strings, ranks compare so, and a longer path wins over its own prefix.
  const rank = segments.map((segment) => ('literal' in segment ? 2 : segment.greedy ? 0 : 1)).join('');
  return { spec, segments, rank };
});

/** The path parameters when `parts` fits the template, else undefined. */
const paramsOf = (segments: Segment[], parts: string[]): Record<string, string> | undefined => {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if ('literal' in segment) {
      if (part === undefined || decode(part) !== segment.literal) return undefined;
    } else if (segment.greedy) {
      const rest = parts.slice(index);
      if (rest.every((piece) => piece === '')) return undefined;
      params[segment.param] = decode(rest.join('/'));
      return params;
    } else {
      if (part === undefined || part === '') return undefined;
      params[segment.param] = decode(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
};

/** The routes whose path template fits `rawPath`, whatever their method, most specific first. */
const fitting = (rawPath: string) => {
  const parts = rawPath.split('/').slice(1);
  return compiled
    .flatMap((route) => {
      const params = paramsOf(route.segments, parts);
      return params ? [{ ...route, params }] : [];
    })
    .sort((a, b) => (a.rank === b.rank ? 0 : a.rank < b.rank ? 1 : -1));
};

/** The routes whose path template `rawPath` fits, whatever their method: what an `Allow` header lists. */
export const pathMatches = (rawPath: string): RouteSpec[] => fitting(rawPath).map(({ spec }) => spec);

/** The route of a request and its path parameters; none when no route fits, and the request goes to `$default`. */
export const matchRoute = (
  method: string,
  rawPath: string,
): { route?: RouteSpec; pathParameters?: Record<string, string> } => {
  const best = fitting(rawPath).find(({ spec }) => spec.method === method);
  if (!best) return {};
  return { route: best.spec, ...(Object.keys(best.params).length > 0 ? { pathParameters: best.params } : {}) };
};
