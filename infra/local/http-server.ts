import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type Server,
  type IncomingMessage,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import {
  authorizer,
  defaultRoute,
  type FunctionName,
  functions,
  type RouteSpec,
  routes,
} from '../../functions/manifest';

export interface HttpServerOptions {
  /** 0, or omitted, for a free port. */
  port?: number;
  host?: string;
  /** No access log line per request. */
  quiet?: boolean;
  /** How long a handler may run before the request fails; API Gateway's integration timeout is 30 s. */
  timeoutMs?: number;
  /** Test doubles that replace the manifest's handler modules, by function name. */
  handlers?: Partial<Record<FunctionName, LambdaHandler>>;
  /** Routes of the local stack only (`GET /local/emails`), answered before the API's; undefined for the others. */
  localRoutes?: (method: string, rawPath: string, rawQueryString: string) => Promise<HttpAnswer> | undefined;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export type LambdaHandler = (event: unknown, context: Context) => unknown;

type Invoke = (name: FunctionName, event: unknown) => Promise<unknown>;

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

// The identity of the emulated API, as it shows in every event and ARN.
const REGION = 'us-east-1';
const ACCOUNT_ID = 'local';
const API_ID = 'local';
const STAGE = '$default';
const FUNCTION_PREFIX = 'billing-gateway-local-';

// API Gateway's payload limit for HTTP APIs.
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

const gatewayError = (statusCode: number, message: string): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

// The bodies API Gateway itself answers with, byte for byte.
const forbidden = () => gatewayError(403, 'Forbidden');
const internalError = () => gatewayError(500, 'Internal Server Error');
const tooLarge = () => gatewayError(413, 'Request Entity Too Large');
const unavailable = () => gatewayError(503, 'Service Unavailable');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLambdaHandler = (value: unknown): value is LambdaHandler => typeof value === 'function';

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

type Segment = { literal: string } | { param: string; greedy: boolean };

interface CompiledRoute {
  spec: RouteSpec;
  segments: Segment[];
}

const compile = (spec: RouteSpec): CompiledRoute => ({
  spec,
  segments: spec.path
    .split('/')
    .slice(1)
    .map((part) => {
      const param = /^\{([^{}]+?)(\+?)\}$/.exec(part);
      return param?.[1] ? { param: param[1], greedy: param[2] === '+' } : { literal: part };
    }),
});

const compiledRoutes = routes.map(compile);

/** The path parameters when `parts` fits the route's template, else undefined. */
const matchSegments = (segments: Segment[], parts: string[]): Record<string, string> | undefined => {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if ('literal' in segment) {
      if (parts[index] === undefined || decode(parts[index]) !== segment.literal) return undefined;
      continue;
    }
    if (segment.greedy) {
      const rest = parts.slice(index);
      if (rest.length === 0 || rest.every((part) => part === '')) return undefined;
      params[segment.param] = decode(rest.join('/'));
      return params;
    }
    const part = parts[index];
    if (part === undefined || part === '') return undefined;
    params[segment.param] = decode(part);
  }
  return parts.length === segments.length ? params : undefined;
};

// API Gateway prefers the most specific route: a literal segment over a parameter, a parameter over a greedy one.
const specificity = (route: CompiledRoute): number[] =>
  route.segments.map((segment) => ('literal' in segment ? 2 : segment.greedy ? 0 : 1));

const moreSpecific = (a: CompiledRoute, b: CompiledRoute): boolean => {
  const [sa, sb] = [specificity(a), specificity(b)];
  for (let i = 0; i < Math.max(sa.length, sb.length); i += 1) {
    const [x, y] = [sa[i] ?? -1, sb[i] ?? -1];
    if (x !== y) return x > y;
  }
  return false;
};

interface Match {
  route: RouteSpec | undefined;
  pathParameters: Record<string, string> | undefined;
}

/** A method without a route on that path falls to `$default` too, as it does on an HTTP API. */
export const matchRoute = (method: string, rawPath: string): Match => {
  const parts = rawPath.split('/').slice(1);
  let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
  for (const route of compiledRoutes) {
    if (route.spec.method !== method) continue;
    const params = matchSegments(route.segments, parts);
    if (params && (!best || moreSpecific(route, best.route))) best = { route, params };
  }
  if (!best) return { route: undefined, pathParameters: undefined };
  const hasParams = Object.keys(best.params).length > 0;
  return { route: best.route.spec, pathParameters: hasParams ? best.params : undefined };
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const pad = (n: number) => String(n).padStart(2, '0');

/** API Gateway's `requestContext.time`: `27/Nov/2026:15:04:05 +0000`. */
export const gatewayTime = (date: Date): string =>
  `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;

/** Repeated headers joined by commas (payload 2.0 has no multi-value fields); cookies go to their own field. */
const readHeaders = (request: IncomingMessage): { headers: Record<string, string>; cookies: string[] } => {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
};

/** Form decoding (`+` is a space) with repeated keys joined by commas, as API Gateway does; undefined when empty. */
const parseQuery = (rawQueryString: string): Record<string, string> | undefined => {
  const query: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decode((at === -1 ? pair : pair.slice(0, at)).replaceAll('+', ' '));
    const value = at === -1 ? '' : decode(pair.slice(at + 1).replaceAll('+', ' '));
    if (key === '') continue;
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  }
  return Object.keys(query).length > 0 ? query : undefined;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

const encodeBody = (body: Buffer): { body?: string; isBase64Encoded: boolean } => {
  if (body.length === 0) return { isBase64Encoded: false };
  try {
    return { body: utf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
};

// `requestContext.requestId` on an HTTP API looks like `JKJaXmPLvHcESHA=`.
const gatewayRequestId = () => randomBytes(11).toString('base64');

interface IncomingRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  sourceIp: string;
  localPort: number;
  protocol: string;
  received: Date;
}

const requestContextOf = (
  request: IncomingRequest,
  routeKey: string,
  requestId: string,
): APIGatewayEventRequestContextV2 => {
  const domainName = (request.headers.host ?? 'localhost').replace(/:\d+$/, '');
  return {
    accountId: ACCOUNT_ID,
    apiId: API_ID,
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: request.method,
      path: request.rawPath,
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: request.headers['user-agent'] ?? '',
    },
    requestId,
    routeKey,
    stage: STAGE,
    time: gatewayTime(request.received),
    timeEpoch: request.received.getTime(),
  };
};

/** The Lambda context a local invocation gets: a fresh request id and a deadline `timeoutMs` away. */
export const lambdaContext = (name: FunctionName, timeoutMs: number): Context => {
  const deadline = Date.now() + timeoutMs;
  const functionName = `${FUNCTION_PREFIX}${name}`;
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported locally: return a promise from the handler');
  };
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
};

const loadedHandlers = new Map<FunctionName, Promise<LambdaHandler>>();

/** A function's handler module, imported on first use and retried after a failed load. */
export const loadHandler = (name: FunctionName): Promise<LambdaHandler> => {
  let loading = loadedHandlers.get(name);
  if (!loading) {
    const url = new URL(`../../${functions[name].entry}`, import.meta.url).href;
    loading = import(url).then((module: unknown) => {
      const handler = isRecord(module) ? module.handler : undefined;
      if (!isLambdaHandler(handler)) throw new Error(`${functions[name].entry} does not export a function \`handler\``);
      return handler;
    });
    // A module that failed to load is retried on the next request, so fixing the file fixes the server.
    loading.catch(() => loadedHandlers.delete(name));
    loadedHandlers.set(name, loading);
  }
  return loading;
};

class InvocationTimeout extends Error {}

/**
 * Runs one function as Lambda would: a deep copy of the event in, the answer through JSON out (a value JSON cannot
 * carry, such as a bigint, fails the invocation as it would on AWS).
 */
const invoke = async (
  handler: LambdaHandler,
  name: FunctionName,
  event: unknown,
  timeoutMs: number,
): Promise<unknown> => {
  const input: unknown = JSON.parse(JSON.stringify(event));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new InvocationTimeout(`${name} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve(handler(input, lambdaContext(name, timeoutMs))), timeout]);
    const serialized = JSON.stringify(result) as string | undefined;
    return serialized === undefined ? undefined : (JSON.parse(serialized) as unknown);
  } finally {
    clearTimeout(timer);
  }
};

class MalformedResponse extends Error {}

const isHeaderValue = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Payload 2.0 responses: a structured result when `statusCode` is there, anything else is a JSON body. */
const toAnswer = (result: unknown): HttpAnswer => {
  if (result === undefined || result === null) throw new MalformedResponse('the handler returned nothing');
  if (typeof result === 'string') {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(result) };
  }
  if (!isRecord(result) || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(JSON.stringify(result)),
    };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = result;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedResponse(`statusCode ${String(statusCode)} is not an HTTP status`);
  }
  if (!isRecord(headers) || !Object.values(headers).every(isHeaderValue)) {
    throw new MalformedResponse('headers must map names to strings, numbers or booleans');
  }
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) {
    throw new MalformedResponse('cookies must be an array of strings');
  }
  if (body !== undefined && typeof body !== 'string') throw new MalformedResponse('body must be a string');
  if (typeof isBase64Encoded !== 'boolean') throw new MalformedResponse('isBase64Encoded must be a boolean');
  const entries = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)] as const);
  try {
    for (const [name, value] of entries) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    }
    for (const cookie of cookies) validateHeaderValue('set-cookie', cookie);
  } catch (error) {
    throw new MalformedResponse('a header cannot be sent over HTTP', { cause: error });
  }
  return {
    statusCode,
    headers: Object.fromEntries(entries),
    cookies,
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'),
  };
};

/** Simple responses of an HTTP API Lambda authorizer: `{ isAuthorized, context? }`. */
const authorize = async (
  invoke: Invoke,
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<Record<string, unknown> | undefined> => {
  const result = await invoke(authorizer, event);
  if (!isRecord(result) || typeof result.isAuthorized !== 'boolean') {
    throw new MalformedResponse('the authorizer did not answer { isAuthorized: boolean }');
  }
  const context = result.context ?? {};
  if (!isRecord(context)) throw new MalformedResponse('the authorizer context must be an object');
  return result.isAuthorized ? context : undefined;
};

const logFailure = (name: FunctionName, requestId: string, error: unknown) => {
  console.error(`[local api] ${name} failed (request ${requestId}):`, error);
};

const handle = async (request: IncomingRequest, invoke: Invoke): Promise<HttpAnswer> => {
  const { route, pathParameters } = matchRoute(request.method, request.rawPath);
  const routeKey = route ? `${route.method} ${route.path}` : '$default';
  const name: FunctionName = route ? route.function : defaultRoute;
  const requestId = gatewayRequestId();
  const requestContext = requestContextOf(request, routeKey, requestId);
  const queryStringParameters = parseQuery(request.rawQueryString);
  const headers = {
    // API Gateway adds these; handlers that log the client address read them.
    'x-forwarded-for': request.sourceIp,
    'x-forwarded-port': String(request.localPort),
    'x-forwarded-proto': 'http',
    'x-amzn-trace-id': `Root=1-${Math.floor(request.received.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    ...request.headers,
  };
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(request.cookies.length > 0 ? { cookies: request.cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext,
    ...(pathParameters ? { pathParameters } : {}),
    ...encodeBody(request.body),
  };

  let current: FunctionName = name;
  try {
    let invoked: unknown = event;
    {
      current = authorizer;
      // Every route, `$default` included, runs the authorizer, with no identity source and no caching: for every
      // request, token or not. Handlers decide what their access level needs.
      const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
        version: '2.0',
        type: 'REQUEST',
        routeArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${API_ID}/${STAGE}/${request.method}${request.rawPath}`,
        identitySource: [],
        routeKey,
        rawPath: request.rawPath,
        rawQueryString: request.rawQueryString,
        cookies: request.cookies,
        headers,
        ...(queryStringParameters ? { queryStringParameters } : {}),
        ...(pathParameters ? { pathParameters } : {}),
        requestContext,
      };
      const context = await authorize(invoke, authorizerEvent);
      if (!context) return forbidden();
      invoked = { ...event, requestContext: { ...requestContext, authorizer: { lambda: context } } };
      current = name;
    }
    const answer = toAnswer(await invoke(name, invoked));
    return { ...answer, headers: { ...answer.headers, 'apigw-requestid': requestId } };
  } catch (error) {
    logFailure(current, requestId, error);
    // An integration that outlives API Gateway's timeout is a 503 on an HTTP API; any other failure a 500.
    return error instanceof InvocationTimeout ? unavailable() : internalError();
  }
};

class BodyTooLarge extends Error {}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });

const splitUrl = (url: string): { rawPath: string; rawQueryString: string } => {
  // An absolute-form target (`GET http://host/path`) is legal HTTP/1.1; API Gateway only ever sees the path.
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i, '') : url;
  const withoutFragment = target.split('#')[0] ?? '';
  const at = withoutFragment.indexOf('?');
  const rawPath = at === -1 ? withoutFragment : withoutFragment.slice(0, at);
  return {
    rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQueryString: at === -1 ? '' : withoutFragment.slice(at + 1),
  };
};

const write = (response: ServerResponse, answer: HttpAnswer, close: boolean) => {
  response.statusCode = answer.statusCode;
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (answer.cookies.length > 0) response.setHeader('set-cookie', answer.cookies);
  response.setHeader('content-length', answer.body.length);
  if (close) response.setHeader('connection', 'close');
  response.end(answer.body);
};

/**
 * Serves the manifest's routes the way API Gateway's HTTP API does: payload 2.0 events, the Lambda authorizer with
 * simple responses on every non-public route, `$default` for the rest, and API Gateway's own error bodies.
 */
/**
 * Closes a node:http server: requests in flight get a grace period, then every connection is cut; idle keep-alive
 * connections would otherwise hold `close` open.
 */
export const closeServer = (server: Server, graceMs = STOP_GRACE_MS): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const force = setTimeout(() => {
      server.closeAllConnections();
    }, graceMs);
    server.close((error) => {
      clearTimeout(force);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });

export const startHttpServer = async (options: HttpServerOptions = {}): Promise<LocalHttpServer> => {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const invokeFunction: Invoke = async (name, event) =>
    invoke(options.handlers?.[name] ?? (await loadHandler(name)), name, event, timeoutMs);

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const started = process.hrtime.bigint();
    const method = (request.method ?? 'GET').toUpperCase();
    const { rawPath, rawQueryString } = splitUrl(request.url ?? '/');
    let answer: HttpAnswer;
    let close = false;
    try {
      const body = await readBody(request);
      const { headers, cookies } = readHeaders(request);
      const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
      answer = await handle(
        {
          method,
          rawPath,
          rawQueryString,
          headers,
          cookies,
          body,
          sourceIp,
          localPort: request.socket.localPort ?? 0,
          protocol: `HTTP/${request.httpVersion}`,
          received: new Date(),
        },
        invokeFunction,
      );
    } catch (error) {
      close = true;
      if (error instanceof BodyTooLarge) answer = tooLarge();
      else {
        console.error('[local api] request failed:', error);
        answer = internalError();
      }
    }
    write(response, answer, close);
    if (!options.quiet) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stderr.write(`${method} ${rawPath} ${answer.statusCode} ${ms.toFixed(1)}ms\n`);
    }
  };

  const serveLocal = async (request: IncomingMessage, response: ServerResponse) => {
    const { rawPath, rawQueryString } = splitUrl(request.url ?? '/');
    const local = options.localRoutes?.((request.method ?? 'GET').toUpperCase(), rawPath, rawQueryString);
    if (local) write(response, await local, false);
    else await serve(request, response);
  };

  const server = createServer((request, response) => {
    serveLocal(request, response).catch((error: unknown) => {
      console.error('[local api] could not answer:', error);
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= closeServer(server));

  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, stop };
};
