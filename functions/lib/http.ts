import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import {
  DomainError,
  ForbiddenError,
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  EmailUnverifiedError,
  UnauthorizedError,
  UnsupportedCurrencyError,
} from '../../shared/errors';
import { idempotencyKeySchema } from '../../shared/schemas/payments';
import { parseInput } from '../../shared/schemas/validation';
import type { Principal } from '../../shared/users/model';
import type { AuthorizerContext } from './auth-context';
import { type Access, errorsOf, type RouteContract } from './contract';
import { parseJson, stringify } from '../../shared/json';
import { logger } from './logger';
import { groupDeepObjects } from './query-string';
import { errorResponse, internalProblem, problemResponse } from './problem';

/** A payload 2.0 event; `authorizer` is absent on public routes, whatever @types/aws-lambda says. */
export type HttpEvent = Omit<APIGatewayProxyEventV2, 'requestContext'> & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & { authorizer?: { lambda?: AuthorizerContext } };
};
export type HttpResponse = APIGatewayProxyStructuredResultV2;

type Schema = z.ZodMiniType;
type Parsed<S> = S extends Schema ? z.infer<S> : undefined;

export interface HttpRequest<B, Q, P, A extends Access> {
  body: Parsed<B>;
  query: Parsed<Q>;
  params: Parsed<P>;
  caller: A extends 'public' ? undefined : Principal;
  /** The `Idempotency-Key` header of a route that moves money, validated; undefined when none was sent. */
  idempotencyKey: string | undefined;
  method: string;
  /** The path as the client sent it. */
  path: string;
}

// API Gateway's own payload limit is 10 MB; no request of this API needs more than a few hundred bytes.
export const MAX_BODY_BYTES = 64 * 1024;

const principalOf = (event: HttpEvent, { access, verifiedEmail }: RouteContract): Principal | undefined => {
  if (access === 'public') return undefined;
  const context = event.requestContext.authorizer?.lambda;
  if (!context?.userId || !context.role || !context.tokenId) throw new UnauthorizedError();
  if (access === 'admin' && context.role !== 'admin') throw new ForbiddenError();
  const emailVerified = context.emailVerified === true;
  if (verifiedEmail && !emailVerified) throw new EmailUnverifiedError();
  return { userId: context.userId, role: context.role, tokenId: context.tokenId, emailVerified };
};

const readJsonBody = (event: HttpEvent): unknown => {
  if (event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  try {
    return parseJson(text);
  } catch {
    throw new InvalidJsonError('The request body is not valid JSON.');
  }
};

/**
 * Path parameters that fail their schema name nothing that exists: a 404, as for an unknown id. A currency code is
 * the exception: an unknown one is the contract's 400 `unsupported_currency` wherever it appears.
 */
const parseParams = (schema: Schema | undefined, params: Record<string, string | undefined> | undefined): unknown => {
  if (!schema) return undefined;
  try {
    return parseInput(schema, params ?? {});
  } catch (error) {
    if (error instanceof UnsupportedCurrencyError) throw error;
    if (error instanceof DomainError) throw new NotFoundError();
    throw error;
  }
};

const parseRequest = <
  B extends Schema | undefined,
  Q extends Schema | undefined,
  P extends Schema | undefined,
  A extends Access,
>(
  contract: RouteContract<B, Q, P, A>,
  event: HttpEvent,
) => {
  const caller = principalOf(event, contract);
  const params = parseParams(contract.params, event.pathParameters);
  const query = contract.query
    ? parseInput(contract.query, groupDeepObjects(event.queryStringParameters ?? {}))
    : undefined;
  // A route without a body schema ignores whatever body comes, as a GET should.
  // Only a request without a body reads as `{}`; a body of `null` is a value, and refused as one.
  const sent = contract.body ? readJsonBody(event) : undefined;
  const body = contract.body ? parseInput(contract.body, sent === undefined ? {} : sent) : undefined;
  const key = contract.idempotent ? event.headers['idempotency-key'] : undefined;
  const idempotencyKey = key === undefined ? undefined : parseInput(idempotencyKeySchema, key, ['Idempotency-Key']);
  const { method } = event.requestContext.http;
  return { body, query, params, caller, idempotencyKey, method, path: event.rawPath } as HttpRequest<B, Q, P, A>;
};

const toResponse = (status: number, body: unknown): HttpResponse => ({
  statusCode: status,
  headers: {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    'cache-control': 'no-store',
  },
  ...(body === undefined ? {} : { body: stringify(body) }),
});

/** A handler of one route: what it answers, with the status its contract declares. */
export type HttpHandler = ReturnType<typeof middy<HttpEvent, HttpResponse>> & { contract: RouteContract };

/**
 * The one middy stack of every HTTP handler, built from the route's contract: structured logging with the request id,
 * the caller from the authorizer (401/403 before anything runs), the body, query and path parsed by the contract's zod
 * schemas, the contract's success status, and every failure as problem+json. An error code the contract does not
 * declare is still answered, and logged as a fault of the contract.
 */
export const httpHandler = <
  B extends Schema | undefined,
  Q extends Schema | undefined,
  P extends Schema | undefined,
  A extends Access,
>(
  contract: RouteContract<B, Q, P, A>,
  handle: (request: HttpRequest<B, Q, P, A>) => Promise<unknown>,
): HttpHandler => {
  const declared = new Set<string>(errorsOf(contract));
  const handler = middy<HttpEvent, HttpResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        const known = errorResponse(request.error);
        if (!known) logger.error('Unhandled error', { error: request.error ?? undefined });
        else if (request.error instanceof DomainError && request.error.status >= 500)
          logger.error('Failure', { error: request.error });
        else if (request.error instanceof DomainError && !declared.has(request.error.code))
          logger.error('Error code not declared by the route contract', { code: request.error.code });
        request.response = known ?? problemResponse(internalProblem);
      },
    })
    .handler(async (event: HttpEvent) => {
      const request = parseRequest(contract, event);
      if (request.caller) logger.appendKeys({ userId: request.caller.userId });
      const body = await handle(request);
      return toResponse(contract.success.status, contract.success.status === 204 ? undefined : body);
    });
  return Object.assign(handler, { contract: contract });
};
