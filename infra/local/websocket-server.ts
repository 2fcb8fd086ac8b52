import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { type FunctionName, websocketAuthorizer, websocketRoutes } from '../../functions/manifest';
import { startInvocation } from './event-source';
import { describeError } from './poller';
import { closeServer, gatewayTime, type LambdaHandler, loadHandler } from './http-server';

export interface WebSocketServerOptions {
  /** 0, or omitted, for a free port. */
  port?: number;
  host?: string;
  /** No log line per connection, message and `@connections` call. */
  quiet?: boolean;
  /** Test doubles that replace the manifest's handler modules, by function name. */
  handlers?: Partial<Record<FunctionName, LambdaHandler>>;
  /** How long a route's function may run; API Gateway's integration timeout is 29 s. */
  timeoutSeconds?: number;
  /** A function that failed, or a request the server could not answer; the default prints it, cause and all. */
  onError?: (error: Error) => void;
}

export interface LocalWebSocketServer {
  /** Where clients connect: `ws://host:port`. */
  url: string;
  /** The `@connections` management API's endpoint, for `ApiGatewayManagementApiClient({ endpoint })`. */
  managementEndpoint: string;
  port: number;
  /** Closes every connection (each gets its `$disconnect`), then the server. */
  stop(): Promise<void>;
}

/** The `requestContext` API Gateway gives a WebSocket route's function (the types of `aws-lambda` lack some fields). */
export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent?: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  disconnectStatusCode?: number;
  disconnectReason?: string;
  /** What the `$connect` authorizer answered: its principal and context. */
  authorizer?: Record<string, unknown>;
}

export interface WebSocketEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
}

// The identity of the emulated API, as in the HTTP server's events.
const API_ID = 'local';
const STAGE = '$default';
const DEFAULT_TIMEOUT_SECONDS = 29;
// API Gateway's limit on a WebSocket message, and on the data of a PostToConnection.
const MAX_MESSAGE_BYTES = 128 * 1024;
const STOP_GRACE_MS = 5_000;

/** What API Gateway knows of a connection from its upgrade request. */
interface ConnectionInfo {
  id: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  domainName: string;
}

interface Connection extends ConnectionInfo {
  socket: WebSocket;
  /** Set once the socket is closing or closed: the management API answers 410 from then on. */
  gone: boolean;
  /** A close the server asked for (DELETE, stop), reported in `$disconnect` whatever the client echoes. */
  closedBy?: { code: number; reason: string };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * API Gateway's connection and request ids look like `GXLKAdiqFiACG1w=`: fifteen base64 characters and a pad. These
 * avoid `+` and `/`, so that an id is safe in a URL path as it is.
 */
const gatewayId = (): string =>
  `${[...randomBytes(15)].map((byte) => ALPHABET[byte % ALPHABET.length] ?? 'A').join('')}=`;

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** REST-style (payload 1.0) parameters: the last value of each, and every value in the multi-value twin. */
const multiValue = (pairs: [string, string][]) => {
  const multi: Record<string, string[]> = {};
  for (const [key, value] of pairs) (multi[key] ??= []).push(value);
  const single = Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values.at(-1) ?? '']));
  return Object.keys(multi).length > 0 ? { single, multi } : undefined;
};

const queryPairs = (rawQuery: string): [string, string][] =>
  rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair): [string, string] => {
      const at = pair.indexOf('=');
      const key = decode((at === -1 ? pair : pair.slice(0, at)).replaceAll('+', ' '));
      return [key, at === -1 ? '' : decode(pair.slice(at + 1).replaceAll('+', ' '))];
    })
    .filter(([key]) => key !== '');

// Hop-by-hop headers of the upgrade, which API Gateway does not pass on.
const HOP_BY_HOP = new Set(['connection', 'upgrade']);

/** The header names as the client spelled them (API Gateway keeps their case), plus the ones API Gateway adds. */
const headerPairs = (request: IncomingMessage, sourceIp: string, received: number): [string, string][] => {
  const pairs: [string, string][] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!HOP_BY_HOP.has(name.toLowerCase())) pairs.push([name, raw[i + 1] ?? '']);
  }
  pairs.push(
    ['X-Amzn-Trace-Id', `Root=1-${Math.floor(received / 1000).toString(16)}-${randomBytes(12).toString('hex')}`],
    ['X-Forwarded-For', sourceIp],
    ['X-Forwarded-Port', String(request.socket.localPort ?? 0)],
    ['X-Forwarded-Proto', 'http'],
  );
  return pairs;
};

const functionOf = (route: string): FunctionName | undefined =>
  websocketRoutes.find((candidate) => candidate.route === route)?.function;

/** `$request.body.action`, the route selection expression of the API; `$default` when no route has that key. */
const selectRoute = (body: string): string => {
  let action: unknown;
  try {
    const parsed: unknown = JSON.parse(body);
    action = isRecord(parsed) ? parsed.action : undefined;
  } catch {
    return '$default';
  }
  return typeof action === 'string' && !action.startsWith('$') && functionOf(action) ? action : '$default';
};

/** What a route's function answered, in the proxy integration's shape. */
interface RouteAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
}

class MalformedResponse extends Error {}

const toRouteAnswer = (result: unknown): RouteAnswer => {
  // Nothing, or no status code, counts as a success, as it does for API Gateway's Lambda proxy integration.
  if (result === undefined || result === null) return { statusCode: 200, headers: {} };
  if (typeof result === 'string') return { statusCode: 200, headers: {}, body: result };
  if (!isRecord(result)) throw new MalformedResponse('the function answered neither an object nor a string');
  const { statusCode = 200, headers = {}, body } = result;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedResponse(`statusCode ${String(statusCode)} is not an HTTP status`);
  }
  if (!isRecord(headers)) throw new MalformedResponse('headers must be an object');
  if (body !== undefined && body !== null && typeof body !== 'string') {
    throw new MalformedResponse('body must be a string');
  }
  return {
    statusCode,
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)])),
    ...(typeof body === 'string' ? { body } : {}),
  };
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

const isText = (data: Buffer): boolean => {
  try {
    utf8.decode(data);
    return true;
  } catch {
    return false;
  }
};

const rawDataToBuffer = (data: RawData): Buffer =>
  Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);

/** A refused upgrade: a plain HTTP response on the socket, then no socket at all. */
const refuseUpgrade = (socket: Duplex, statusCode: number, body: string, headers: Record<string, string> = {}) => {
  if (socket.destroyed) return;
  const payload = Buffer.from(body);
  const lines = [
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`,
    `Content-Type: ${headers['content-type'] ?? 'application/json'}`,
    `Content-Length: ${payload.length}`,
    `x-amzn-RequestId: ${randomUUID()}`,
    'Connection: close',
  ];
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), payload]));
  socket.once('finish', () => socket.destroy());
};

// Close codes and the `disconnectReason` API Gateway reports for them.
const CLIENT_CLOSED_WITHOUT_STATUS = 1005;
const CLOSED_ABNORMALLY = 1006;
const UNSUPPORTED_DATA = 1003;
const GOING_AWAY = 1001;
const NORMAL = 1000;

const disconnectReasonOf = (code: number, reason: string): string => {
  if (reason !== '') return reason;
  if (code === CLIENT_CLOSED_WITHOUT_STATUS) return 'Client-side close frame status not set';
  if (code === CLOSED_ABNORMALLY) return 'Connection closed abnormally';
  return '';
};

interface ManagementAnswer {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Errors the way the `@connections` API answers them: the SDK maps `x-amzn-errortype` to its exception classes. */
const managementError = (statusCode: number, errorType: string, message: string | null): ManagementAnswer => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
  body: JSON.stringify({ message }),
});

const gone = () => managementError(410, 'GoneException', null);

class BodyTooLarge extends Error {}

const readBody = (request: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) reject(new BodyTooLarge());
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });

/** `/@connections/{id}`, after an optional stage (`/$default/@connections/…`, `/local/@connections/…`). */
const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/@connections\/([^/]+)\/?$/;

/**
 * Serves a WebSocket API the way API Gateway does, with the manifest's `websocketRoutes`: `$connect` decides whether
 * an upgrade succeeds (any status but 2xx refuses it with that status), every text message goes to the route its
 * `action` selects (`$default` otherwise) and a body answered goes back on the socket, `$disconnect` runs once a
 * socket has closed. The same server answers the `@connections` management API (POST, GET, DELETE), so the real
 * `@aws-sdk/client-apigatewaymanagementapi` client works against `managementEndpoint`.
 */
export const startWebSocketServer = async (options: WebSocketServerOptions = {}): Promise<LocalWebSocketServer> => {
  const host = options.host ?? '127.0.0.1';
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  const onError =
    options.onError ??
    ((error: Error) => {
      console.error(error);
    });
  const report = (message: string, cause: unknown) => {
    try {
      onError(new Error(`[local ws] ${message}: ${describeError(cause)}`, { cause }));
    } catch (error) {
      console.error(error);
    }
  };

  const connections = new Map<string, Connection>();
  /** Upgrades waiting on `$connect` and `$disconnect` runs in flight: `stop()` waits for them all. */
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  let stopping = false;

  const invokeRoute = async (route: string, event: WebSocketEvent): Promise<RouteAnswer | undefined> => {
    const name = functionOf(route);
    if (!name) return undefined;
    const handler = options.handlers?.[name] ?? (await loadHandler(name));
    return toRouteAnswer(await startInvocation(handler, name, event, timeoutSeconds).outcome);
  };

  /**
   * The `$connect` authorizer, as API Gateway runs a REQUEST authorizer with identity source
   * `route.request.querystring.token`: no token is a 401 without calling it; a failure with exactly "Unauthorized"
   * is a 401, any other failure a 500, a Deny policy a 403; an Allow hands its context to `$connect`.
   */
  const authorize = async (
    event: WebSocketEvent,
  ): Promise<{ refused: number } | { context: Record<string, unknown> }> => {
    const token = event.queryStringParameters?.token;
    if (token === undefined || token === '') return { refused: 401 };
    const handler = options.handlers?.[websocketAuthorizer] ?? (await loadHandler(websocketAuthorizer));
    const authorizerEvent = {
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:000000000000:${API_ID}/${STAGE}/$connect`,
      headers: event.headers,
      multiValueHeaders: event.multiValueHeaders,
      queryStringParameters: event.queryStringParameters,
      multiValueQueryStringParameters: event.multiValueQueryStringParameters,
      stageVariables: {},
      requestContext: event.requestContext,
    };
    let result: unknown;
    try {
      result = await startInvocation(handler, websocketAuthorizer, authorizerEvent, timeoutSeconds).outcome;
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') return { refused: 401 };
      report(`${websocketAuthorizer} failed`, error);
      return { refused: 500 };
    }
    const answer = result as {
      principalId?: string;
      policyDocument?: { Statement?: { Effect?: string }[] };
      context?: Record<string, unknown>;
    } | null;
    const allowed = answer?.policyDocument?.Statement?.every((statement) => statement.Effect === 'Allow') ?? false;
    return allowed ? { context: { principalId: answer?.principalId, ...answer?.context } } : { refused: 403 };
  };

  const baseContext = (connection: ConnectionInfo, now: number) => {
    const requestId = gatewayId();
    return {
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

  const disconnect = async (connection: ConnectionInfo, code: number, reason: string) => {
    const now = Date.now();
    const event: WebSocketEvent = {
      headers: { Host: connection.domainName, 'X-Forwarded-For': connection.sourceIp },
      multiValueHeaders: { Host: [connection.domainName], 'X-Forwarded-For': [connection.sourceIp] },
      requestContext: {
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        disconnectStatusCode: code,
        disconnectReason: disconnectReasonOf(code, reason),
        ...baseContext(connection, now),
        identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      },
      isBase64Encoded: false,
    };
    try {
      await invokeRoute('$disconnect', event);
      log(`WS DISCONNECT ${connection.id} ${code}`);
    } catch (error) {
      // Best effort on AWS too: nobody is left to tell.
      report(`$disconnect of ${connection.id} failed`, error);
    } finally {
      connections.delete(connection.id);
    }
  };

  const onMessage = async (connection: Connection, data: Buffer) => {
    const now = Date.now();
    connection.lastActiveAt = now;
    const body = data.toString('utf8');
    const route = selectRoute(body);
    const context = baseContext(connection, now);
    const event: WebSocketEvent = {
      requestContext: {
        routeKey: route,
        messageId: gatewayId(),
        eventType: 'MESSAGE',
        ...context,
        identity: { sourceIp: connection.sourceIp },
      },
      body,
      isBase64Encoded: false,
    };
    let reply: string | undefined;
    try {
      const answer = await invokeRoute(route, event);
      if (answer) reply = answer.body;
      else reply = JSON.stringify({ message: 'Forbidden', connectionId: connection.id, requestId: context.requestId });
      log(`WS MESSAGE ${connection.id} ${route}`);
    } catch (error) {
      report(`${route} of ${connection.id} failed (request ${context.requestId})`, error);
      reply = JSON.stringify({
        message: 'Internal server error',
        connectionId: connection.id,
        requestId: context.requestId,
      });
    }
    if (reply !== undefined && !connection.gone) connection.socket.send(reply);
  };

  const establish = (connection: Connection) => {
    const { socket } = connection;
    connections.set(connection.id, connection);
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        // API Gateway does not take binary frames: it closes the connection.
        connection.closedBy ??= { code: UNSUPPORTED_DATA, reason: 'Binary frames are not supported' };
        connection.gone = true;
        socket.close(UNSUPPORTED_DATA, 'Binary frames are not supported');
        return;
      }
      void onMessage(connection, rawDataToBuffer(data));
    });
    socket.on('error', (error) => {
      log(`WS ERROR ${connection.id} ${describeError(error)}`);
    });
    socket.on('close', (code, reason) => {
      connection.gone = true;
      const closed = connection.closedBy ?? { code, reason: reason.toString('utf8') };
      track(disconnect(connection, closed.code, closed.reason));
    });
  };

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_MESSAGE_BYTES,
    // The subprotocol `$connect` answered in `Sec-WebSocket-Protocol`, if the client offered it.
    handleProtocols: (protocols, request) => {
      const chosen = chosenProtocols.get(request);
      return chosen !== undefined && protocols.has(chosen) ? chosen : false;
    },
  });
  const chosenProtocols = new WeakMap<IncomingMessage, string>();

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const received = Date.now();
    const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const domainName = (request.headers.host ?? 'localhost').replace(/:\d+$/, '');
    const userAgent = request.headers['user-agent'] ?? '';
    const identity: ConnectionInfo = {
      id: gatewayId(),
      connectedAt: received,
      lastActiveAt: received,
      sourceIp,
      userAgent,
      domainName,
    };
    const url = request.url ?? '/';
    const at = url.indexOf('?');
    const headers = multiValue(headerPairs(request, sourceIp, received));
    const query = multiValue(queryPairs(at === -1 ? '' : url.slice(at + 1)));
    const context = baseContext(identity, received);
    const event: WebSocketEvent = {
      headers: headers?.single ?? {},
      multiValueHeaders: headers?.multi ?? {},
      ...(query ? { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi } : {}),
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        ...context,
        identity: { sourceIp, userAgent },
      },
      isBase64Encoded: false,
    };

    let answer: RouteAnswer;
    try {
      const authorization = await authorize(event);
      if ('refused' in authorization) {
        const message =
          authorization.refused === 403
            ? 'Forbidden'
            : authorization.refused === 401
              ? 'Unauthorized'
              : 'Internal server error';
        answer = { statusCode: authorization.refused, headers: {}, body: JSON.stringify({ message }) };
      } else {
        event.requestContext.authorizer = authorization.context;
        answer = (await invokeRoute('$connect', event)) ?? { statusCode: 200, headers: {} };
      }
    } catch (error) {
      report(`$connect failed (request ${context.requestId})`, error);
      answer = { statusCode: 500, headers: {}, body: JSON.stringify({ message: 'Internal server error' }) };
    }
    const accepted = answer.statusCode >= 200 && answer.statusCode < 300;
    log(`WS CONNECT ${identity.id} ${answer.statusCode}`);
    if (!accepted) {
      refuseUpgrade(socket, answer.statusCode, answer.body ?? '', answer.headers);
      return;
    }
    // The function has accepted (and perhaps recorded) the connection: from here on it gets its `$disconnect`.
    const lost = (code: number, reason: string) => {
      track(disconnect(identity, code, reason));
    };
    if (stopping) {
      refuseUpgrade(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));
      lost(GOING_AWAY, 'Going away');
      return;
    }
    if (socket.destroyed || !socket.writable) {
      lost(CLOSED_ABNORMALLY, '');
      return;
    }
    const protocol = answer.headers['sec-websocket-protocol'];
    if (protocol !== undefined) chosenProtocols.set(request, protocol);
    wss.handleUpgrade(request, socket, head, (ws) => {
      establish({ ...identity, socket: ws, gone: false });
    });
  };

  const manage = async (request: IncomingMessage, connectionId: string): Promise<ManagementAnswer> => {
    const method = (request.method ?? 'GET').toUpperCase();
    const connection = connections.get(connectionId);
    const live = connection && !connection.gone ? connection : undefined;
    switch (method) {
      case 'POST': {
        let data: Buffer;
        try {
          data = await readBody(request, MAX_MESSAGE_BYTES);
        } catch (error) {
          if (error instanceof BodyTooLarge) {
            return managementError(413, 'PayloadTooLargeException', 'Request entity too large');
          }
          throw error;
        }
        if (!live) return gone();
        const sent = await new Promise<boolean>((resolve) => {
          live.socket.send(data, { binary: !isText(data) }, (error) => {
            resolve(!error);
          });
        });
        return sent ? { statusCode: 200 } : gone();
      }
      case 'GET':
        if (!live) return gone();
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            connectedAt: new Date(live.connectedAt).toISOString(),
            identity: { sourceIp: live.sourceIp, userAgent: live.userAgent },
            lastActiveAt: new Date(live.lastActiveAt).toISOString(),
          }),
        };
      case 'DELETE':
        if (!live) return gone();
        live.gone = true;
        live.closedBy = { code: NORMAL, reason: '' };
        live.socket.close(NORMAL);
        return { statusCode: 204 };
      default:
        return managementError(403, 'ForbiddenException', 'Missing Authentication Token');
    }
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const match = CONNECTIONS_PATH.exec(path);
    let answer: ManagementAnswer;
    if (match?.[1]) {
      answer = await manage(request, decode(match[1]));
      log(`${request.method ?? 'GET'} ${path} ${answer.statusCode}`);
    } else {
      request.resume();
      answer = {
        statusCode: 426,
        headers: { 'content-type': 'application/json', upgrade: 'websocket' },
        body: JSON.stringify({ message: 'Upgrade Required' }),
      };
    }
    const body = Buffer.from(answer.body ?? '');
    response.statusCode = answer.statusCode;
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    response.setHeader('x-amzn-requestid', randomUUID());
    response.setHeader('content-length', body.length);
    response.end(body);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      report('could not answer a request', error);
      response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (stopping) {
      refuseUpgrade(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));
      return;
    }
    track(
      upgrade(request, socket, head).catch((error: unknown) => {
        report('an upgrade failed', error);
        refuseUpgrade(socket, 500, JSON.stringify({ message: 'Internal server error' }));
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      // Upgrades still in `$connect` settle first (refused now), then every socket closes and gets its `$disconnect`.
      while (pending.size > 0 || connections.size > 0) {
        for (const connection of connections.values()) {
          if (connection.gone) continue;
          connection.gone = true;
          connection.closedBy = { code: GOING_AWAY, reason: 'Going away' };
          connection.socket.close(GOING_AWAY, 'Going away');
          // A client that never answers the close frame must not hold the stop.
          const socket = connection.socket;
          setTimeout(() => {
            socket.terminate();
          }, STOP_GRACE_MS).unref();
        }
        // Sockets waiting on their close handshake are in neither set of promises: look again shortly.
        await (pending.size > 0 ? Promise.race([Promise.allSettled([...pending]), sleep(50)]) : sleep(20));
      }
      await closeServer(server, STOP_GRACE_MS);
      wss.close();
    })());

  return { url: `ws://${authority}`, managementEndpoint: `http://${authority}`, port, stop };
};
