/**
 * The contract of one HTTP route, declared once: the handler factory validates with it, the manifest routes it (the
 * CDK app and the local stack), and the OpenAPI document describes it. Nothing else restates a route's method, path,
 * access, inputs, answer or errors.
 */
import type * as z from 'zod/mini';
import type { FunctionName } from '../manifest';
import type { ErrorCode } from '../openapi/errors';

export type Access = 'public' | 'user' | 'admin';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Tag = 'Meta' | 'Users' | 'Tokens' | 'Accounts' | 'Payments' | 'Events' | 'Admin';

type Schema = z.ZodMiniType;

/**
 * A call that a success answer makes possible, as an OpenAPI link: the operation, and where each of its inputs comes
 * from (a runtime expression such as `$response.body#/id` or `$request.body#/email`). Clients and test tools follow
 * links to chain real calls: create an account, then read it.
 */
export interface Link {
  /** The `operationId` of the operation to call. */
  operationId: string;
  description: string;
  /** Path or query parameters of that operation, by name. */
  parameters?: Readonly<Record<string, string>>;
  /** Fields of that operation's JSON body, by name. */
  body?: Readonly<Record<string, string>>;
}

export interface RouteContract<
  B extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  P extends Schema | undefined = Schema | undefined,
  A extends Access = Access,
> {
  method: Method;
  /** API Gateway route path, with `{name}` parameters. */
  path: string;
  /** The manifest function that serves it. */
  function: FunctionName;
  /**
   * What the handler requires of the caller the authorizer resolved (every route runs the authorizer): nothing, a
   * user, or an admin. A missing caller is a 401, a user on an admin route a 403.
   */
  access: A;
  operationId: string;
  summary: string;
  description: string;
  tags: readonly [Tag, ...Tag[]];
  /** An object schema with one property per `{name}` of the path. */
  params?: P;
  paramDescriptions?: Readonly<Record<string, string>>;
  /** One query parameter per property; `limit`, `cursor` and `sort` have default descriptions. */
  query?: Q;
  queryDescriptions?: Readonly<Record<string, string>>;
  /** The JSON body. */
  body?: B;
  /**
   * Request bodies a client may send as they are, by name: the document's examples. Every route with a body has at
   * least one, and each is valid against the body schema.
   */
  examples?: Readonly<Record<string, unknown>>;
  /** Money moves: an `Idempotency-Key` header is read and a reused key is a 422 `idempotency_key_reused`. */
  idempotent?: true;
  /** Only a caller whose email is verified may call it (money leaves their account): else a 403 `email_unverified`. */
  verifiedEmail?: true;
  success: { status: 200 | 201 | 202 | 204; description: string; schema?: Schema };
  /** What a client may call next with what the success answer (or this request) holds, by link name. */
  links?: Readonly<Record<string, Link>>;
  /**
   * The error codes of the route's own rules. Those its shape implies (a body's `invalid_json`, a caller's
   * `unauthorized`, a path's `not_found`…) are added by `errorsOf`.
   */
  errors: readonly ErrorCode[];
}

/** Declares a contract, keeping the literal types of its schemas and access for the handler. */
export const route = <
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
  A extends Access = Access,
>(
  contract: RouteContract<B, Q, P, A>,
): RouteContract<B, Q, P, A> => contract;

/** Every error code a route may answer besides `internal_error`: its own, and those its shape implies. */
export const errorsOf = (contract: RouteContract): ErrorCode[] => [
  ...new Set<ErrorCode>([
    ...(contract.body ? (['invalid_json', 'validation_error', 'payload_too_large'] as const) : []),
    ...(contract.query ? (['validation_error'] as const) : []),
    ...(contract.params ? (['not_found'] as const) : []),
    ...(contract.idempotent ? (['validation_error', 'idempotency_key_reused'] as const) : []),
    ...(contract.access === 'public' ? [] : (['unauthorized'] as const)),
    ...(contract.access === 'admin' ? (['forbidden'] as const) : []),
    ...(contract.verifiedEmail ? (['email_unverified'] as const) : []),
    ...contract.errors,
  ]),
];
