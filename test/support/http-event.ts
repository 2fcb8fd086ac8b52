import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResponse } from '../../functions/lib/http';
import type { Principal } from '../../shared/users/model';

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

/** An API Gateway HTTP API (payload 2.0) event, as the gateway would build it after the authorizer ran. */
export const httpEvent = (options: EventOptions = {}): HttpEvent => {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.params ? { pathParameters: options.params } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(options.principal ? { authorizer: { lambda: { ...options.principal } } } : {}),
    },
    isBase64Encoded: false,
    ...(options.rawBody !== undefined
      ? { body: options.rawBody }
      : options.body !== undefined
        ? { body: JSON.stringify(options.body) }
        : {}),
  };
};

export const lambdaContext = (functionName = 'test'): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

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
