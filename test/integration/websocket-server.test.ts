import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { LambdaHandler } from '../../infra/local/lambda-runtime';
import type { WebSocketEvent } from '../../infra/local/gateway-events';
import { type LocalWebSocketServer, startWebSocketServer } from '../../infra/local/websocket-server';

const events: WebSocketEvent[] = [];
const ofRoute = (route: string) => events.filter((event) => event.requestContext.routeKey === route);

// Stand-ins for ws-connect, ws-default and ws-disconnect, shaped as the real ones answer.
const connect: LambdaHandler = (event) => {
  const ws = event as WebSocketEvent;
  events.push(ws);
  return ws.queryStringParameters?.token === 'good'
    ? { statusCode: 200 }
    : { statusCode: 401, body: JSON.stringify({ type: 'error', code: 'unauthorized' }) };
};
const message: LambdaHandler = (event) => {
  const ws = event as WebSocketEvent;
  events.push(ws);
  if (ws.body === 'throw') throw new Error('handler bug');
  return { statusCode: 200, body: JSON.stringify({ echo: ws.body }) };
};
// A stand-in for ws-authorizer: any token but `unauthorized` and `deny` is allowed, with the token as the user.
const authorizer: LambdaHandler = (event) => {
  const token = (event as { queryStringParameters?: Record<string, string> }).queryStringParameters?.token ?? '';
  if (token === 'unauthorized') throw new Error('Unauthorized');
  return {
    principalId: token,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: token === 'deny' ? 'Deny' : 'Allow', Resource: '*' }],
    },
    context: { userId: `usr_${token}` },
  };
};
const disconnect: LambdaHandler = async (event) => {
  events.push(event as WebSocketEvent);
  // Slow enough that a connection forgotten before `$disconnect` ends would show.
  await sleep(20);
  return { statusCode: 200 };
};

const errors: Error[] = [];
let server: LocalWebSocketServer;
let management: ApiGatewayManagementApiClient;
const sockets: WebSocket[] = [];

const managementClient = (endpoint: string) =>
  new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

beforeAll(async () => {
  server = await startWebSocketServer({
    quiet: true,
    handlers: {
      'ws-authorizer': authorizer,
      'ws-connect': connect,
      'ws-default': message,
      'ws-disconnect': disconnect,
    },
    onError: (error) => errors.push(error),
  });
  management = managementClient(server.managementEndpoint);
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  management.destroy();
  await server.stop();
});

const waitFor = async (condition: () => boolean, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
};

interface Client {
  socket: WebSocket;
  connectionId: string;
  received: string[];
}

/** An accepted connection, with the id its `$connect` got and every message it receives. */
const open = async (userAgent = 'jest-client/1.0'): Promise<Client> => {
  const before = ofRoute('$connect').length;
  const socket = new WebSocket(`${server.url}/?token=good`, { headers: { 'User-Agent': userAgent } });
  sockets.push(socket);
  const received: string[] = [];
  socket.on('message', (data: Buffer) => received.push(data.toString('utf8')));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const connectionId = ofRoute('$connect')[before]?.requestContext.connectionId ?? '';
  return { socket, connectionId, received };
};

const closed = (socket: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });

const upgradeStatus = (query: string) =>
  new Promise<number | undefined>((resolve) => {
    const socket = new WebSocket(`${server.url}/${query}`);
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.once('unexpected-response', (_request, res: IncomingMessage) => {
      resolve(res.statusCode);
    });
    socket.once('error', () => undefined);
  });

describe('the local WebSocket API', () => {
  it('runs the $connect authorizer as API Gateway does: 401 without a token or for "Unauthorized", 403 on Deny', async () => {
    const before = ofRoute('$connect').length;

    const statuses = await Promise.all(['', '?token=', '?token=unauthorized', '?token=deny'].map(upgradeStatus));

    expect(statuses).toEqual([401, 401, 401, 403]);
    expect(ofRoute('$connect')).toHaveLength(before);
  });

  it('hands the authorizer’s principal and context to $connect', async () => {
    expect(await upgradeStatus('?token=good')).toBe(101);

    expect(ofRoute('$connect').at(-1)?.requestContext).toMatchObject({
      authorizer: { principalId: 'good', userId: 'usr_good' },
    });
  });

  it('refuses the upgrade with the status and body of a $connect that answers 401', async () => {
    const socket = new WebSocket(`${server.url}/?token=bad`);
    const response = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      socket.once('open', () => {
        reject(new Error('the upgrade was accepted'));
      });
      socket.once('unexpected-response', (_request, res: IncomingMessage) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => {
          resolve({ status: res.statusCode, body });
        });
      });
    });

    expect(response).toEqual({ status: 401, body: JSON.stringify({ type: 'error', code: 'unauthorized' }) });
    const [refused] = ofRoute('$connect').filter((event) => event.queryStringParameters?.token === 'bad');
    expect(refused).toMatchObject({
      queryStringParameters: { token: 'bad' },
      multiValueQueryStringParameters: { token: ['bad'] },
      headers: expect.objectContaining({ 'Sec-WebSocket-Version': '13', 'X-Forwarded-For': '127.0.0.1' }),
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        messageDirection: 'IN',
        connectionId: expect.stringMatching(/^[A-Za-z0-9]{15}=$/),
        identity: { sourceIp: '127.0.0.1', userAgent: '' },
      },
      isBase64Encoded: false,
    });
    // A connection that never opened never disconnects.
    await sleep(50);
    expect(
      ofRoute('$disconnect').some((e) => e.requestContext.connectionId === refused?.requestContext.connectionId),
    ).toBe(false);
  });

  it('answers a message with the body the $default route returns, on the same connection', async () => {
    const client = await open();

    client.socket.send('{"action":"subscribe","paymentId":"pay_1"}');
    await waitFor(() => client.received.length === 1);

    expect(JSON.parse(client.received[0]!)).toEqual({ echo: '{"action":"subscribe","paymentId":"pay_1"}' });
    const [event] = ofRoute('$default').filter((e) => e.requestContext.connectionId === client.connectionId);
    expect(event).toEqual({
      requestContext: {
        routeKey: '$default',
        messageId: expect.any(String),
        eventType: 'MESSAGE',
        extendedRequestId: expect.any(String),
        requestTime: expect.stringMatching(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        messageDirection: 'IN',
        stage: '$default',
        connectedAt: expect.any(Number),
        requestTimeEpoch: expect.any(Number),
        identity: { sourceIp: '127.0.0.1' },
        requestId: expect.any(String),
        domainName: '127.0.0.1',
        connectionId: client.connectionId,
        apiId: expect.any(String),
      },
      body: '{"action":"subscribe","paymentId":"pay_1"}',
      isBase64Encoded: false,
    });
  });

  it("answers API Gateway's internal error to a message whose function throws, and keeps the connection", async () => {
    const client = await open();

    client.socket.send('throw');
    await waitFor(() => client.received.length === 1);
    client.socket.send('still there?');
    await waitFor(() => client.received.length === 2);

    expect(JSON.parse(client.received[0]!)).toEqual({
      message: 'Internal server error',
      connectionId: client.connectionId,
      requestId: expect.any(String),
    });
    expect(JSON.parse(client.received[1]!)).toEqual({ echo: 'still there?' });
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/\$default of .* failed.*handler bug/),
    ]);
  });

  it('delivers PostToConnection from the real SDK client, with or without a stage in the endpoint', async () => {
    const client = await open('probe/2.0');
    const staged = managementClient(`${server.managementEndpoint}/$default`);
    try {
      await management.send(new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: '{"n":1}' }));
      await staged.send(
        new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: Buffer.from('{"n":2}') }),
      );
      await waitFor(() => client.received.length === 2);
      expect(client.received).toEqual(['{"n":1}', '{"n":2}']);

      const connection = await staged.send(new GetConnectionCommand({ ConnectionId: client.connectionId }));
      expect(connection).toMatchObject({
        ConnectedAt: expect.any(Date),
        LastActiveAt: expect.any(Date),
        Identity: { SourceIp: '127.0.0.1', UserAgent: 'probe/2.0' },
      });
    } finally {
      staged.destroy();
    }
  });

  it('runs $disconnect with the connection id when the client closes, then answers GoneException for it', async () => {
    const client = await open();

    client.socket.close(1000, 'bye');
    await waitFor(() => ofRoute('$disconnect').some((e) => e.requestContext.connectionId === client.connectionId));

    const event = ofRoute('$disconnect').find((e) => e.requestContext.connectionId === client.connectionId);
    expect(event?.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 1000,
      disconnectReason: 'bye',
      connectionId: client.connectionId,
    });
    const post = management.send(new PostToConnectionCommand({ ConnectionId: client.connectionId, Data: 'late' }));
    await expect(post).rejects.toBeInstanceOf(GoneException);
    await expect(post).rejects.toMatchObject({ $metadata: { httpStatusCode: 410 } });
    await expect(
      management.send(new GetConnectionCommand({ ConnectionId: client.connectionId })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: 'NeverExisted00=', Data: 'x' })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it('closes the socket on DeleteConnection and runs $disconnect for it', async () => {
    const client = await open();
    const closing = closed(client.socket);

    const deleted = await management.send(new DeleteConnectionCommand({ ConnectionId: client.connectionId }));

    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await closing).code).toBe(1000);
    await waitFor(() => ofRoute('$disconnect').some((e) => e.requestContext.connectionId === client.connectionId));
    await expect(
      management.send(new DeleteConnectionCommand({ ConnectionId: client.connectionId })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it('closes every connection on stop, and stops only once their $disconnect has run', async () => {
    const stopped: string[] = [];
    const own = await startWebSocketServer({
      quiet: true,
      handlers: {
        'ws-authorizer': authorizer,
        'ws-connect': () => ({ statusCode: 200 }),
        'ws-disconnect': async (event) => {
          await sleep(50);
          stopped.push((event as WebSocketEvent).requestContext.connectionId);
        },
      },
    });
    const socket = new WebSocket(`${own.url}/?token=good`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closing = closed(socket);

    await own.stop();

    expect(stopped).toHaveLength(1);
    expect((await closing).code).toBe(1001);
  });
});
