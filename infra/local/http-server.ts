import { createServer, type IncomingMessage, validateHeaderName, validateHeaderValue } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { router } from '../../functions/lib/routing';
import { authorizer, defaultRoute, type FunctionName, routes } from '../../functions/manifest';
import { httpAuthorizerEvent, httpEvent, sourceIpOf, withAuthorizer } from './gateway-events';
import { type Answer, BodyTooLarge, closeServer, isRecord, listen, once, readBody, reply, respond } from './helpers';
import { InvocationTimeout, invoke, loadHandler } from './lambda-runtime';

type HttpAnswer = Required<Answer>;

/** A route of the local stack only (`/local/emails`, `/console/`), answered before the API's; undefined for others. */
export type LocalRoute = (method: string, rawPath: string, rawQueryString: string) => Promise<HttpAnswer> | undefined;

// API Gateway's payload limit and integration timeout for HTTP APIs.
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TIMEOUT_SECONDS = 30;

/** The bodies API Gateway itself answers with, byte for byte. */
const gatewayError = (statusCode: number, message: string) =>
  reply(statusCode, 'application/json', JSON.stringify({ message }));

/** Payload 2.0 responses: a structured result when `statusCode` is there; any other value is a JSON body. */
const toAnswer = (result: unknown): HttpAnswer => {
  if (result === undefined || result === null) throw new Error('the handler returned nothing');
  if (!isRecord(result) || !('statusCode' in result)) {
    return reply(200, 'application/json', typeof result === 'string' ? result : JSON.stringify(result));
  }
  const { statusCode, headers = {}, body = '', isBase64Encoded = false } = result;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new Error(`statusCode ${String(statusCode)} is not an HTTP status`);
  }
  if (!isRecord(headers) || typeof body !== 'string') throw new Error('headers must be an object, body a string');
  const entries = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)] as const);
  for (const [name, value] of entries) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  }
  const encoding = isBase64Encoded === true ? 'base64' : 'utf8';
  return { statusCode, headers: Object.fromEntries(entries), body: Buffer.from(body, encoding) };
};

const api = router(routes);

const run = async (name: FunctionName, event: unknown) =>
  invoke(await loadHandler(name), name, event, TIMEOUT_SECONDS).outcome;

/**
 * One request, as API Gateway's HTTP API serves it: the route's payload 2.0 event, or `$default`'s; the Lambda
 * authorizer with simple responses first, on every route, with no identity source and no caching (handlers decide
 * what their access level needs); API Gateway's own error bodies when that fails.
 */
const handle = async (request: IncomingMessage, body: Buffer, rawPath: string, rawQueryString: string) => {
  const method = request.method ?? 'GET';
  const headers = Object.fromEntries(
    Object.entries(request.headersDistinct).map(([name, values]) => [name, (values ?? []).join(',')]),
  );
  const matched = api.match(method, rawPath);
  const route = matched?.route;
  // A body that is not UTF-8 text reaches the function in base64, as on AWS.
  const text = isUtf8(body) ? { body: body.toString() } : { body: body.toString('base64'), isBase64Encoded: true };
  const event = httpEvent(
    { method, rawPath, rawQueryString, headers, sourceIp: sourceIpOf(request), ...(body.length > 0 ? text : {}) },
    route ? `${route.method} ${route.path}` : '$default',
    matched?.pathParameters,
  );
  const { requestId } = event.requestContext;
  let current = authorizer;
  try {
    const allowed = await run(authorizer, httpAuthorizerEvent(event));
    const { isAuthorized, context = {} }: Record<string, unknown> = isRecord(allowed) ? allowed : {};
    if (typeof isAuthorized !== 'boolean' || !isRecord(context)) {
      throw new Error('the authorizer did not answer { isAuthorized: boolean, context?: object }');
    }
    if (!isAuthorized) return gatewayError(403, 'Forbidden');
    current = route?.function ?? defaultRoute;
    const answer = toAnswer(await run(current, withAuthorizer(event, context)));
    return { ...answer, headers: { ...answer.headers, 'apigw-requestid': requestId } };
  } catch (error) {
    console.error(`[local api] ${current} failed (request ${requestId}):`, error);
    // An integration that outlives API Gateway's timeout is a 503 on an HTTP API; any other failure a 500.
    return error instanceof InvocationTimeout
      ? gatewayError(503, 'Service Unavailable')
      : gatewayError(500, 'Internal Server Error');
  }
};

/**
 * Serves the manifest's routes the way API Gateway's HTTP API does, with the functions of the local runtime, on `port`
 * (a free one when 0 or omitted), with an access log line per request unless `quiet`.
 */
export const startHttpServer = async (
  options: { port?: number; quiet?: boolean; localRoutes?: LocalRoute[] } = {},
): Promise<{ url: string; stop(): Promise<void> }> => {
  const server = createServer((request, response) => {
    const started = performance.now();
    const method = request.method ?? 'GET';
    const [rawPath = '/', rawQueryString = ''] = (request.url ?? '/').split(/\?(.*)/s);
    const local = () => options.localRoutes?.map((route) => route(method, rawPath, rawQueryString)).find(Boolean);
    void readBody(request, MAX_BODY_BYTES)
      .then((body) => local() ?? handle(request, body, rawPath, rawQueryString))
      .catch((error: unknown) => {
        if (error instanceof BodyTooLarge) return gatewayError(413, 'Request Entity Too Large');
        console.error('[local api] request failed:', error);
        return gatewayError(500, 'Internal Server Error');
      })
      .then((answer) => {
        respond(response, answer);
        if (options.quiet) return;
        const ms = (performance.now() - started).toFixed(1);
        process.stderr.write(`${method} ${rawPath} ${answer.statusCode} ${ms}ms\n`);
      })
      .catch((error: unknown) => {
        console.error('[local api] could not answer:', error);
        response.destroy();
      });
  });
  const { authority } = await listen(server, options.port ?? 0, '127.0.0.1');
  return { url: `http://${authority}`, stop: once(() => closeServer(server)) };
};
