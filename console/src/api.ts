import type { Page, Problem } from './types';

/** An answer that is not a 2xx, carried as the problem+json the API sent (or one made from what else came back). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

const TOKEN_KEY = 'billing-console-token';
const signedOut = new Set<() => void>();

/** The operator's API token, kept for this browser tab only. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear: (): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    for (const listener of signedOut) listener();
  },
  onSignOut: (listener: () => void): (() => void) => {
    signedOut.add(listener);
    return () => signedOut.delete(listener);
  },
};

const problemOf = async (response: Response): Promise<Problem> => {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<Problem> & { message?: string };
    if (typeof body.title === 'string') return { ...body, title: body.title, status: response.status };
    return { title: body.message ?? response.statusText, status: response.status };
  } catch {
    return { title: response.statusText || 'Request failed', status: response.status, detail: text.slice(0, 200) };
  }
};

export type Query = Record<string, string | number | undefined>;

export const withQuery = (path: string, query: Query = {}): string => {
  const entries = Object.entries(query).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  const search = new URLSearchParams(entries.map(([name, value]) => [name, String(value)])).toString();
  return search === '' ? path : `${path}?${search}`;
};

/**
 * One call to the API on this origin. The console trusts the shapes the contract documents: answers are typed as
 * the OpenAPI document says and not checked again here.
 */
export const api = async <T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}) => {
  const token = session.token();
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers: {
      accept: 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  if (response.status === 401 && token !== null) session.clear();
  if (!response.ok) throw new ApiError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
};

/** Every page of a list, following `nextCursor`, up to `max` items. */
export const all = async <T>(path: string, query: Query = {}, max = 1000): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page: Page<T> = await api<Page<T>>('GET', path, { query: { ...query, limit: 100, cursor } });
    items.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && items.length < max);
  return items;
};

/** The error to show for anything a call threw. */
export const toProblem = (error: unknown): Problem =>
  error instanceof ApiError
    ? error.problem
    : { title: 'The gateway could not be reached', status: 0, detail: error instanceof Error ? error.message : '' };
