/**
 * API Gateway's route selection for an HTTP API, over the route contracts: the most specific route whose method and
 * path template fit (a literal segment before a `{param}`, a `{param}` before a greedy `{param+}`), else `$default`.
 * The local stack routes with it, and the `$default` function uses it to tell a method the path does not have (405)
 * from a path the API does not have (404).
 */
export interface RouteKey {
  method: string;
  path: string;
}

type Segment = { literal: string } | { param: string; greedy: boolean };

/** Percent-decoding that leaves a malformed escape as it is, as API Gateway does. */
export const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

const segmentsOf = (path: string): Segment[] =>
  path
    .split('/')
    .slice(1)
    .map((part) => {
      const param = /^\{([^{}]+?)(\+?)\}$/.exec(part);
      return param?.[1] ? { param: param[1], greedy: param[2] === '+' } : { literal: part };
    });

/** The path parameters when `parts` fits the template, else undefined. */
const fit = (segments: Segment[], parts: string[]): Record<string, string> | undefined => {
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

const specificity = (segments: Segment[]): number[] =>
  segments.map((segment) => ('literal' in segment ? 2 : segment.greedy ? 0 : 1));

const moreSpecific = (a: Segment[], b: Segment[]): boolean => {
  const [sa, sb] = [specificity(a), specificity(b)];
  for (let i = 0; i < Math.max(sa.length, sb.length); i += 1) {
    const [x, y] = [sa[i] ?? -1, sb[i] ?? -1];
    if (x !== y) return x > y;
  }
  return false;
};

export interface Router<R extends RouteKey> {
  /** The route API Gateway would pick, with its path parameters (undefined when it has none); none for `$default`. */
  match(method: string, rawPath: string): { route: R; pathParameters: Record<string, string> | undefined } | undefined;
  /** The methods of the routes whose path template fits, whatever the method asked: empty for an unknown path. */
  methodsAt(rawPath: string): string[];
}

export const router = <R extends RouteKey>(routes: readonly R[]): Router<R> => {
  const compiled = routes.map((route) => ({ route, segments: segmentsOf(route.path) }));
  const fitting = (rawPath: string) => {
    const parts = rawPath.split('/').slice(1);
    return compiled.flatMap((entry) => {
      const params = fit(entry.segments, parts);
      return params ? [{ ...entry, params }] : [];
    });
  };
  return {
    match: (method, rawPath) => {
      const best = fitting(rawPath)
        .filter(({ route }) => route.method === method)
        .reduce<ReturnType<typeof fitting>[number] | undefined>(
          (chosen, entry) => (!chosen || moreSpecific(entry.segments, chosen.segments) ? entry : chosen),
          undefined,
        );
      if (!best) return undefined;
      return { route: best.route, pathParameters: Object.keys(best.params).length > 0 ? best.params : undefined };
    },
    methodsAt: (rawPath) => [...new Set(fitting(rawPath).map(({ route }) => route.method))].sort(),
  };
};
