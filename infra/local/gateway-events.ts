import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import { LOCAL_REGION } from './dynamodb-local';
import { LOCAL_ACCOUNT } from './lambda-runtime';

/**
 * The events API Gateway hands functions, built once for the local HTTP and WebSocket servers and for the handler
 * tests: HTTP API payload 2.0 events and their Lambda authorizer's REQUEST event, and the WebSocket API's events.
 */

// The identity of the emulated APIs, as it shows in every event and ARN.
const API_ID = 'local';
const STAGE = '$default';

/** API Gateway's `requestTime`, `27/Nov/2026:15:04:05 +0000`, from `Fri, 27 Nov 2026 15:04:05 GMT`. */
const gatewayTime = (date: Date): string => {
  const [, day, month, year, time] = date.toUTCString().split(' ');
  return `${day ?? ''}/${month ?? ''}/${year ?? ''}:${time ?? ''} +0000`;
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An id like API Gateway's, `GXLKAdiqFiACG1w=`: fifteen base64 characters, never `+` or `/` (URL-safe), and a pad. */
const gatewayId = (): string =>
  `${[...randomBytes(15)].map((byte) => ALPHABET[byte % ALPHABET.length] ?? 'A').join('')}=`;

/** The query string's pairs, form-decoded (`+` is a space) as API Gateway decodes them. */
const queryPairs = (rawQueryString: string): [string, string][] =>
  [...new URLSearchParams(rawQueryString)].filter(([key]) => key !== '');

/** The client's address, as API Gateway reports it in `sourceIp`. */
export const sourceIpOf = (request: IncomingMessage): string =>
  (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

/** The API's domain, from the Host header. */
const domainOf = (host = 'localhost'): string => host.replace(/:\d+$/, '');

export interface HttpRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Lower-case names; a repeated header joined by commas, since payload 2.0 has no multi-value fields. */
  headers: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  sourceIp?: string;
}

/** The payload 2.0 event of `request` on the route `routeKey` (`$default` or `GET /v1/me`), before any authorizer. */
export const httpEvent = (
  request: HttpRequest,
  routeKey: string,
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 => {
  const { method, rawPath, rawQueryString, body, isBase64Encoded = false, sourceIp = '127.0.0.1' } = request;
  const query: Record<string, string> = {};
  // Repeated keys are joined by commas, as API Gateway does.
  for (const [key, value] of queryPairs(rawQueryString)) query[key] = key in query ? `${query[key]},${value}` : value;
  const domainName = domainOf(request.headers.host);
  const received = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    // API Gateway adds it; handlers that log the client address read it.
    headers: { 'x-forwarded-for': sourceIp, ...request.headers },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent: request.headers['user-agent'] ?? '' },
      requestId: gatewayId(),
      routeKey,
      stage: STAGE,
      time: gatewayTime(received),
      timeEpoch: received.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded,
  };
};

/** The REQUEST event of an HTTP API Lambda authorizer (payload 2.0) for `event`: no identity source, so no caching. */
export const httpAuthorizerEvent = (event: APIGatewayProxyEventV2): APIGatewayRequestAuthorizerEventV2 => ({
  version: '2.0',
  type: 'REQUEST',
  routeArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${API_ID}/${STAGE}/${event.requestContext.http.method}${event.rawPath}`,
  identitySource: [],
  routeKey: event.routeKey,
  rawPath: event.rawPath,
  rawQueryString: event.rawQueryString,
  cookies: event.cookies ?? [],
  headers: event.headers,
  queryStringParameters: event.queryStringParameters,
  pathParameters: event.pathParameters,
  requestContext: event.requestContext,
});

/** `event` as its route's function gets it once the authorizer allowed it, with the context the authorizer answered. */
export const withAuthorizer = <C>(event: APIGatewayProxyEventV2, lambda: C) => ({
  ...event,
  requestContext: { ...event.requestContext, authorizer: { lambda } },
});

/** The `requestContext` API Gateway gives a WebSocket route's function (the types of `aws-lambda` lack some fields). */
export type WebSocketRequestContext = Omit<APIGatewayEventWebsocketRequestContextV2, 'messageId'> & {
  messageId?: string;
  identity: { sourceIp: string; userAgent?: string };
  disconnectStatusCode?: number;
  disconnectReason?: string;
  /** What the `$connect` authorizer answered: its principal and context. */
  authorizer?: Record<string, unknown>;
};

export interface WebSocketEvent {
  headers?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
}

/** What API Gateway knows of a connection from its upgrade request. */
export interface ConnectionInfo {
  id: string;
  connectedAt: number;
  sourceIp: string;
  userAgent: string;
  domainName: string;
}

/** The API has no action routes: every message goes to `$default`. */
const ROUTE_KEYS = { CONNECT: '$connect', MESSAGE: '$default', DISCONNECT: '$disconnect' } as const;

const websocketContext = (connection: ConnectionInfo, eventType: keyof typeof ROUTE_KEYS) => {
  const now = Date.now();
  const requestId = gatewayId();
  return {
    routeKey: ROUTE_KEYS[eventType],
    eventType,
    extendedRequestId: requestId,
    requestTime: gatewayTime(new Date(now)),
    messageDirection: 'IN' as const,
    stage: STAGE,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    requestId,
    domainName: connection.domainName,
    connectionId: connection.id,
    apiId: API_ID,
  };
};

/**
 * The connection an upgrade request opens, and its `$connect` event: headers as the client spelled them (API Gateway
 * keeps their case), the query string REST-style (payload 1.0): each parameter's last value, and all in the twin.
 */
export const connectEvent = (request: IncomingMessage): { connection: ConnectionInfo; event: WebSocketEvent } => {
  const { rawHeaders, url = '' } = request;
  const { host, 'user-agent': userAgent = '' } = request.headers;
  const sourceIp = sourceIpOf(request);
  const connection = { id: gatewayId(), connectedAt: Date.now(), sourceIp, userAgent, domainName: domainOf(host) };
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) headers[rawHeaders[i] ?? ''] = rawHeaders[i + 1] ?? '';
  const multi: Record<string, string[]> = {};
  for (const [key, value] of queryPairs(url.split(/\?(.*)/s)[1] ?? '')) (multi[key] ??= []).push(value);
  const single = Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values.at(-1) ?? '']));
  const hasQuery = Object.keys(multi).length > 0;
  const event = {
    headers: { ...headers, 'X-Forwarded-For': sourceIp },
    ...(hasQuery ? { queryStringParameters: single, multiValueQueryStringParameters: multi } : {}),
    requestContext: { ...websocketContext(connection, 'CONNECT'), identity: { sourceIp, userAgent } },
    isBase64Encoded: false,
  };
  return { connection, event };
};

/** The event of a message on the connection. */
export const messageEvent = (connection: ConnectionInfo, body: string): WebSocketEvent => ({
  requestContext: {
    ...websocketContext(connection, 'MESSAGE'),
    messageId: gatewayId(),
    identity: { sourceIp: connection.sourceIp },
  },
  body,
  isBase64Encoded: false,
});

/** The `$disconnect` event of a connection closed with `code` and `reason`, as API Gateway words them. */
export const disconnectEvent = (connection: ConnectionInfo, code: number, reason: string): WebSocketEvent => ({
  headers: { Host: connection.domainName, 'X-Forwarded-For': connection.sourceIp },
  requestContext: {
    ...websocketContext(connection, 'DISCONNECT'),
    disconnectStatusCode: code,
    disconnectReason:
      reason ||
      (code === 1005 ? 'Client-side close frame status not set' : code === 1006 ? 'Connection closed abnormally' : ''),
    identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
  },
  isBase64Encoded: false,
});

/** The REQUEST authorizer's event for a `$connect`. */
export const websocketAuthorizerEvent = (event: WebSocketEvent) => ({
  type: 'REQUEST',
  methodArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${API_ID}/${STAGE}/$connect`,
  headers: event.headers,
  queryStringParameters: event.queryStringParameters,
  multiValueQueryStringParameters: event.multiValueQueryStringParameters,
  stageVariables: {},
  requestContext: event.requestContext,
});
