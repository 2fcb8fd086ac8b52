import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type WebSocket, WebSocketServer } from 'ws';
import { decode } from '../../functions/lib/routing';
import { type FunctionName, websocketAuthorizer, websocketRoutes } from '../../functions/manifest';
import type { ConnectionInfo, WebSocketEvent } from './gateway-events';
import { connectEvent, disconnectEvent, messageEvent, websocketAuthorizerEvent } from './gateway-events';
import type { Answer } from './helpers';
import { BodyTooLarge, closeServer, describeError, isRecord, listen, once, readBody, respond } from './helpers';
import { invoke, type LambdaHandler, loadHandler } from './lambda-runtime';
import { errorReporter, logToStderr } from './poller';

export interface WebSocketServerOptions {
  /** 0, or omitted, for a free port. */
  port?: number;
  /** No log line per connection, message and `@connections` call. */
  quiet?: boolean;
  /** Test doubles that replace the manifest's handler modules, by function name. */
  handlers?: Partial<Record<FunctionName, LambdaHandler>>;
  /** A function that failed, or a request the server could not answer; one line to stderr by default. */
  onError?: (error: Error) => void;
}

export interface LocalWebSocketServer {
  /** Where clients connect: `ws://host:port`. */
  url: string;
  /** The `@connections` management API's endpoint, for `ApiGatewayManagementApiClient({ endpoint })`. */
  managementEndpoint: string;
  /** Closes every connection (each gets its `$disconnect`), then the server. */
  stop(): Promise<void>;
}

interface Connection extends ConnectionInfo {
  socket: WebSocket;
  lastActiveAt: number;
  /** Set once the socket is closing or closed: the management API answers 410 from then on. */
  gone: boolean;
  closedBy?: { code: number; reason: string };
}

// API Gateway's integration timeout, and its limit on a message and on the data of a PostToConnection.
const TIMEOUT_SECONDS = 29;
const MAX_MESSAGE_BYTES = 128 * 1024;
const STOP_GRACE_MS = 5_000;
const NORMAL = 1000;
const GOING_AWAY = 1001;

/** API Gateway's error bodies; the `@connections` API adds `x-amzn-errortype`, which the SDK maps to its exceptions. */
const message = (statusCode: number, text: string | null, errorType?: string): Answer => ({
  statusCode,
  ...(errorType ? { headers: { 'x-amzn-errortype': errorType } } : {}),
  body: JSON.stringify({ message: text }),
});

/** A route's answer in the proxy integration's shape: nothing, or no status code, is a success. */
const toAnswer = (result: unknown): Answer => {
  if (typeof result === 'string') return { statusCode: 200, body: result };
  const { statusCode = 200, body }: Record<string, unknown> = isRecord(result) ? result : {};
  if (typeof statusCode !== 'number' || !(body === undefined || body === null || typeof body === 'string')) {
    throw new Error('the function answered no valid { statusCode, body }');
  }
  return { statusCode, ...(typeof body === 'string' ? { body } : {}) };
};

/** A refused upgrade: a plain HTTP response on the socket, then no socket at all. */
const refuseUpgrade = (socket: Duplex, { statusCode, body = '' }: Answer) => {
  if (socket.destroyed) return;
  const head = [`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`, 'Content-Type: application/json'];
  head.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close');
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  socket.end(body, () => socket.destroy());
};

const gone = message(410, null, 'GoneException');

/** `/@connections/{id}`, after an optional stage (`/$default/@connections/…`, `/local/@connections/…`). */
const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/@connections\/([^/]+)\/?$/;

/**
 * Serves a WebSocket API the way API Gateway does, with the manifest's `websocketRoutes`: `$connect` accepts an upgrade
 * or refuses it with its status (any but 2xx), every message goes to `$default` (a body answered goes back on the
 * socket), `$disconnect` runs once a socket has closed. The same server answers the `@connections` management API
 * (POST, GET, DELETE), for the real `@aws-sdk/client-apigatewaymanagementapi` client at `managementEndpoint`.
 */
export const startWebSocketServer = async (options: WebSocketServerOptions = {}): Promise<LocalWebSocketServer> => {
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  const report = errorReporter('[local ws]', options.onError ?? logToStderr);

  const connections = new Map<string, Connection>();
  /** Upgrades waiting on `$connect` and `$disconnect` runs in flight: `stop()` waits for them all. */
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  let stopping = false;

  const run = async (name: FunctionName, event: unknown) =>
    invoke(options.handlers?.[name] ?? (await loadHandler(name)), name, event, TIMEOUT_SECONDS).outcome;
  const runRoute = async (route: string, event: WebSocketEvent): Promise<Answer | undefined> => {
    const name = websocketRoutes.find((candidate) => candidate.route === route)?.function;
    return name ? toAnswer(await run(name, event)) : undefined;
  };

  /**
   * The `$connect` authorizer, as API Gateway runs a REQUEST authorizer with identity source
   * `route.request.querystring.token`: no token is a 401 without calling it; a failure with exactly "Unauthorized"
   * is a 401, any other failure a 500, a Deny policy a 403; an Allow hands its principal and context to `$connect`.
   */
  const authorize = async (
    event: WebSocketEvent,
  ): Promise<{ refused: Answer } | { context: Record<string, unknown> }> => {
    if (!event.queryStringParameters?.token) return { refused: message(401, 'Unauthorized') };
    let result: unknown;
    try {
      result = await run(websocketAuthorizer, websocketAuthorizerEvent(event));
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') return { refused: message(401, 'Unauthorized') };
      report(`${websocketAuthorizer} failed`, error);
      return { refused: message(500, 'Internal server error') };
    }
    const answer = result as {
      principalId?: string;
      policyDocument?: { Statement?: { Effect?: string }[] };
      context?: Record<string, unknown>;
    } | null;
    const allowed = answer?.policyDocument?.Statement?.every((statement) => statement.Effect === 'Allow') ?? false;
    return allowed
      ? { context: { principalId: answer?.principalId, ...answer?.context } }
      : { refused: message(403, 'Forbidden') };
  };

  const disconnect = async (connection: ConnectionInfo, code: number, reason: string) => {
    try {
      await runRoute('$disconnect', disconnectEvent(connection, code, reason));
      log(`WS DISCONNECT ${connection.id} ${code}`);
    } catch (error) {
      // Best effort on AWS too: nobody is left to tell.
      report(`$disconnect of ${connection.id} failed`, error);
    } finally {
      connections.delete(connection.id);
    }
  };

  const onMessage = async (connection: Connection, body: string) => {
    connection.lastActiveAt = Date.now();
    const event = messageEvent(connection, body);
    const { requestId } = event.requestContext;
    let reply: Answer['body'];
    try {
      reply = (await runRoute('$default', event))?.body;
      log(`WS MESSAGE ${connection.id}`);
    } catch (error) {
      report(`$default of ${connection.id} failed (request ${requestId})`, error);
      reply = JSON.stringify({ message: 'Internal server error', connectionId: connection.id, requestId });
    }
    if (reply !== undefined && !connection.gone) connection.socket.send(reply);
  };

  const establish = (connection: Connection) => {
    const { socket } = connection;
    connections.set(connection.id, connection);
    socket.on('message', (data: Buffer) => void onMessage(connection, data.toString('utf8')));
    socket.on('error', (error) => {
      log(`WS ERROR ${connection.id} ${describeError(error)}`);
    });
    socket.on('close', (code, reason) => {
      connection.gone = true;
      const closed = connection.closedBy ?? { code, reason: reason.toString('utf8') };
      track(disconnect(connection, closed.code, closed.reason));
    });
  };

  /** A close the server asks for: reported in `$disconnect` as asked, whatever the client echoes. */
  const close = (connection: Connection, code: number, reason: string) => {
    connection.gone = true;
    connection.closedBy = { code, reason };
    connection.socket.close(code, reason);
  };

  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: MAX_MESSAGE_BYTES });

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { connection, event } = connectEvent(request);
    let answer: Answer;
    try {
      const authorization = await authorize(event);
      if ('refused' in authorization) answer = authorization.refused;
      else {
        event.requestContext.authorizer = authorization.context;
        answer = (await runRoute('$connect', event)) ?? { statusCode: 200 };
      }
    } catch (error) {
      report(`$connect failed (request ${event.requestContext.requestId})`, error);
      answer = message(500, 'Internal server error');
    }
    log(`WS CONNECT ${connection.id} ${answer.statusCode}`);
    if (answer.statusCode < 200 || answer.statusCode >= 300) {
      refuseUpgrade(socket, answer);
      return;
    }
    // The function has accepted (and perhaps recorded) the connection: from here on it gets its `$disconnect`.
    if (stopping || socket.destroyed || !socket.writable) {
      refuseUpgrade(socket, message(503, 'Service Unavailable'));
      track(disconnect(connection, stopping ? GOING_AWAY : 1006, stopping ? 'Going away' : ''));
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      establish({ ...connection, socket: ws, lastActiveAt: connection.connectedAt, gone: false });
    });
  };

  const manage = async (request: IncomingMessage, connectionId: string): Promise<Answer> => {
    const known = connections.get(connectionId);
    const live = known && !known.gone ? known : undefined;
    switch (request.method) {
      case 'POST': {
        const data = await readBody(request, MAX_MESSAGE_BYTES).catch((error: unknown) => {
          if (error instanceof BodyTooLarge) return undefined;
          throw error;
        });
        if (!data) return message(413, 'Request entity too large', 'PayloadTooLargeException');
        if (!live) return gone;
        const sent = await new Promise<boolean>((resolve) => {
          live.socket.send(data, { binary: !isUtf8(data) }, (error) => {
            resolve(!error);
          });
        });
        return sent ? { statusCode: 200 } : gone;
      }
      case 'GET': {
        if (!live) return gone;
        const iso = (epoch: number) => new Date(epoch).toISOString();
        const identity = { sourceIp: live.sourceIp, userAgent: live.userAgent };
        const body = { connectedAt: iso(live.connectedAt), identity, lastActiveAt: iso(live.lastActiveAt) };
        return { statusCode: 200, body: JSON.stringify(body) };
      }
      case 'DELETE':
        if (!live) return gone;
        close(live, NORMAL, '');
        return { statusCode: 204 };
      default:
        return message(403, 'Missing Authentication Token', 'ForbiddenException');
    }
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const id = CONNECTIONS_PATH.exec(path)?.[1];
    if (!id) request.resume();
    const upgradeRequired = { ...message(426, 'Upgrade Required'), headers: { upgrade: 'websocket' } };
    void (id ? manage(request, decode(id)) : Promise.resolve(upgradeRequired))
      .then((answer) => {
        respond(response, { ...answer, headers: { 'content-type': 'application/json', ...answer.headers } });
        if (id) log(`${request.method ?? 'GET'} ${path} ${answer.statusCode}`);
      })
      .catch((error: unknown) => {
        report('could not answer a request', error);
        response.destroy();
      });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (stopping) refuseUpgrade(socket, message(503, 'Service Unavailable'));
    else
      track(
        upgrade(request, socket, head).catch((error: unknown) => {
          report('an upgrade failed', error);
          refuseUpgrade(socket, message(500, 'Internal server error'));
        }),
      );
  });
  const { authority } = await listen(server, options.port ?? 0, '127.0.0.1');

  const stop = once(async () => {
    stopping = true;
    // Upgrades still in `$connect` settle first (refused now), then every socket closes and gets its `$disconnect`.
    while (pending.size > 0 || connections.size > 0) {
      for (const connection of connections.values()) {
        if (connection.gone) continue;
        close(connection, GOING_AWAY, 'Going away');
        // A client that never answers the close frame must not hold the stop.
        setTimeout(connection.socket.terminate.bind(connection.socket), STOP_GRACE_MS).unref();
      }
      // Sockets waiting on their close handshake are in neither set of promises: look again shortly.
      await (pending.size > 0 ? Promise.race([Promise.allSettled([...pending]), sleep(50)]) : sleep(20));
    }
    await closeServer(server, STOP_GRACE_MS);
    wss.close();
  });
  return { url: `ws://${authority}`, managementEndpoint: `http://${authority}`, stop };
};
