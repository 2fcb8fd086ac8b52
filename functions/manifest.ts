/**
 * The plain-data manifest of every function and HTTP route. The CDK app builds Lambdas, grants and API routes from
 * it; the local stack serves the same routes with the same handlers. Neither can drift from the other.
 */
import type { TableName } from '../shared/db/tables';

export type TableAccess = 'read' | 'readWrite';

export interface FunctionSpec {
  /** Path of the handler module, relative to the project root; it exports `handler`. */
  entry: string;
  description: string;
  tables: Partial<Record<TableName, TableAccess>>;
}

export type Access = 'public' | 'user' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path, with `{name}` parameters. */
  path: string;
  function: FunctionName;
  /** `public` routes skip the authorizer; `user` and `admin` routes run it and check the caller in the handler. */
  access: Access;
}

const fn = (name: string, description: string, tables: FunctionSpec['tables']): FunctionSpec => ({
  entry: `functions/${name}/handler.ts`,
  description,
  tables,
});

export const functions = {
  authorizer: fn('authorizer', 'Resolves a bearer token to its user for API Gateway', {
    tokens: 'readWrite',
    users: 'read',
  }),
  'not-found': fn('not-found', 'Answers problem+json for any route the API does not have', {}),
  health: fn('health', 'Liveness of the API', {}),
  openapi: fn('openapi', 'Serves the OpenAPI 3.1 document', {}),
  'users-create': fn('users-create', 'Signs a user up and issues a first token', {
    users: 'readWrite',
    tokens: 'readWrite',
  }),
  'tokens-create': fn('tokens-create', 'Issues a token for an email and password', {
    users: 'read',
    tokens: 'readWrite',
  }),
  'tokens-list': fn('tokens-list', "Lists the caller's tokens", { tokens: 'read' }),
  'tokens-delete': fn('tokens-delete', 'Revokes one of the caller’s tokens', { tokens: 'readWrite' }),
  'me-get': fn('me-get', 'Answers the calling user', { users: 'read' }),
  'accounts-create': fn('accounts-create', 'Opens a wallet for the caller', { accounts: 'readWrite' }),
  'accounts-list': fn('accounts-list', "Lists the caller's accounts", { accounts: 'read' }),
  'accounts-get': fn('accounts-get', 'Reads one account', { accounts: 'read' }),
  'admin-accounts-list': fn('admin-accounts-list', 'Lists any accounts, for operators', { accounts: 'read' }),
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

export const routes: readonly RouteSpec[] = [
  { method: 'GET', path: '/v1/health', function: 'health', access: 'public' },
  { method: 'GET', path: '/openapi.json', function: 'openapi', access: 'public' },
  { method: 'POST', path: '/v1/users', function: 'users-create', access: 'public' },
  { method: 'POST', path: '/v1/tokens', function: 'tokens-create', access: 'public' },
  { method: 'GET', path: '/v1/tokens', function: 'tokens-list', access: 'user' },
  { method: 'DELETE', path: '/v1/tokens/{id}', function: 'tokens-delete', access: 'user' },
  { method: 'GET', path: '/v1/me', function: 'me-get', access: 'user' },
  { method: 'POST', path: '/v1/accounts', function: 'accounts-create', access: 'user' },
  { method: 'GET', path: '/v1/accounts', function: 'accounts-list', access: 'user' },
  { method: 'GET', path: '/v1/accounts/{id}', function: 'accounts-get', access: 'user' },
  { method: 'GET', path: '/v1/admin/accounts', function: 'admin-accounts-list', access: 'admin' },
];

/** API Gateway sends every request no route matches to `$default`; ours answers problem+json, not `{"message"}`. */
export const defaultRoute: FunctionName = 'not-found';

/** The function that authorizes `user` and `admin` routes. */
export const authorizer: FunctionName = 'authorizer';
