import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResponse } from '../../functions/lib/http';
import type { Principal } from '../../shared/users/model';
import { httpEvent as gatewayEvent, withAuthorizer } from '../../infra/local/gateway-events';
import { lambdaContext as localContext } from '../../infra/local/lambda-runtime';

export interface EventOptions {
  method?: string;
  path?: string;
  routeKey?: string;
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string>;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  principal?: Principal;
}

/** An API Gateway HTTP API (payload 2.0) event, as the local gateway builds it, after the authorizer ran. */
export const httpEvent = (options: EventOptions = {}): HttpEvent => {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const event = gatewayEvent(
    {
      method,
      rawPath: path,
      rawQueryString: new URLSearchParams(options.query).toString(),
      headers: { 'content-type': 'application/json', ...options.headers },
      ...(body === undefined ? {} : { body }),
    },
    options.routeKey ?? `${method} ${path}`,
    options.params,
  );
  return options.principal ? withAuthorizer(event, { ...options.principal }) : event;
};

/** A Lambda context as the local runtime builds it, with ten seconds left. */
export const lambdaContext = (functionName = 'test'): Context => localContext(functionName, 10_000);

export interface ParsedResponse {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: unknown;
}

export const parseResponse = (response: HttpResponse): ParsedResponse => ({
  status: response.statusCode ?? 200,
  headers: response.headers ?? {},
  body: response.body === undefined ? undefined : (JSON.parse(response.body) as unknown),
});

export const userPrincipal = (overrides: Partial<Principal> = {}): Principal => ({
  userId: 'usr_01jd0000000000000000000000',
  role: 'user',
  tokenId: 'tok_01jd0000000000000000000000',
  emailVerified: true,
  ...overrides,
});
