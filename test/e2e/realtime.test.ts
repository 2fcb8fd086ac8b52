import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { eventually, httpClient } from '../support/http-client';
import { ADMIN, confirmEmail, useLocalStack } from '../support/e2e';

const { stack } = useLocalStack();
const call = httpClient(() => stack().baseUrl);
const sockets: WebSocket[] = [];

afterAll(() => {
  for (const socket of sockets) socket.terminate();
});

interface Listener {
  socket: WebSocket;
  messages: Record<string, any>[];
  send(message: unknown): void;
  next(predicate: (message: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
}

const listen = (token: string): Promise<Listener> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack().wsUrl}?token=${encodeURIComponent(token)}`);
    sockets.push(socket);
    const messages: Record<string, any>[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as Record<string, any>));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused: ${response.statusCode}`));
    });
    socket.once('error', reject);
    socket.once('open', () => {
      resolve({
        socket,
        messages,
        send: (message) => {
          socket.send(JSON.stringify(message));
        },
        next: (predicate, timeoutMs = 5_000) =>
          eventually(async () => Promise.resolve(messages.find(predicate)), timeoutMs, 'a WebSocket message'),
      });
    });
  });

const signUp = async (email: string) => {
  const reply = await call('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
  await confirmEmail(call, email);
  return { token: reply.body.token.token as string, userId: reply.body.user.id as string };
};

const wallet = async (token: string) =>
  (await call('POST', '/v1/accounts', { token, body: { currency: 'EUR' } })).body.id as string;

describe('payment outcomes over WebSocket', () => {
  it('refuses the upgrade with 401 for a bad or revoked token', async () => {
    const { token } = await signUp('revoked-ws@example.com');
    const tokenId = token.split('.')[0]!;
    await call('DELETE', `/v1/tokens/${tokenId}`, { token });

    for (const bad of ['garbage', token]) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`${stack().wsUrl}?token=${encodeURIComponent(bad)}`);
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
        });
        socket.once('open', () => {
          resolve(101);
        });
        socket.once('error', () => undefined);
      });
      expect(status).toBe(401);
    }
  });

  it('pushes a payment to both its sides within a second of completion (a failed one to its payer only), and to no one else', async () => {
    const admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    const [ada, bob, eve] = [
      await signUp('ada-ws@example.com'),
      await signUp('bob-ws@example.com'),
      await signUp('eve-ws@example.com'),
    ];
    const [adaWallet, bobWallet] = [await wallet(ada.token), await wallet(bob.token)];
    const [adaSocket, bobSocket, eveSocket] = [
      await listen(ada.token),
      await listen(bob.token),
      await listen(eve.token),
    ];

    const deposit = await call('POST', '/v1/admin/deposits', {
      token: admin,
      body: { accountId: adaWallet, amount: 5_000, currency: 'EUR', reference: 'WS-1' },
    });
    const depositDone = await adaSocket.next((m) => m.payment?.id === deposit.body.id);
    const transfer = await call('POST', '/v1/payments', {
      token: ada.token,
      body: {
        type: 'transfer',
        sourceAccountId: adaWallet,
        destinationAccountId: bobWallet,
        amount: 1_000,
        currency: 'EUR',
      },
    });
    const [toAda, toBob] = await Promise.all([
      adaSocket.next((m) => m.payment?.id === transfer.body.id),
      bobSocket.next((m) => m.payment?.id === transfer.body.id),
    ]);
    const receivedAt = Date.now();

    expect(depositDone).toMatchObject({ type: 'payment.completed', payment: { type: 'deposit', status: 'COMPLETED' } });
    expect(toAda).toEqual(toBob);
    expect(toAda).toMatchObject({
      type: 'payment.completed',
      payment: { id: transfer.body.id, status: 'COMPLETED', amount: 1_000, fee: 10 },
    });
    expect(receivedAt - Date.parse(toAda.payment.completedAt)).toBeLessThan(1_000);
    // A failure is pushed as such.
    const tooMuch = await call('POST', '/v1/payments', {
      token: bob.token,
      body: {
        type: 'transfer',
        sourceAccountId: bobWallet,
        destinationAccountId: adaWallet,
        amount: 1_000,
        currency: 'EUR',
      },
    });
    expect(await bobSocket.next((m) => m.payment?.id === tooMuch.body.id)).toMatchObject({
      type: 'payment.failed',
      payment: { failureReason: 'insufficient_funds' },
    });
    // Eve owns neither side of anything: she has heard nothing. Ada, the payee of the failed one, never hears of it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eveSocket.messages).toEqual([]);
    expect(adaSocket.messages.filter((m) => m.payment?.id === tooMuch.body.id)).toEqual([]);
  }, 30_000);

  it("pushes each state of a payment once: the processor at once, and the stream's notifier, reading it too, not again", async () => {
    const admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    const [erin, finn] = [await signUp('erin-ws@example.com'), await signUp('finn-ws@example.com')];
    const [erinWallet, finnWallet] = [await wallet(erin.token), await wallet(finn.token)];
    const [erinSocket, finnSocket] = [await listen(erin.token), await listen(finn.token)];
    const deposit = await call('POST', '/v1/admin/deposits', {
      token: admin,
      body: { accountId: erinWallet, amount: 5_000, currency: 'EUR', reference: 'WS-ONCE' },
    });
    await erinSocket.next((m) => m.payment?.id === deposit.body.id);

    const transfer = await call('POST', '/v1/payments', {
      token: erin.token,
      body: {
        type: 'transfer',
        sourceAccountId: erinWallet,
        destinationAccountId: finnWallet,
        amount: 700,
        currency: 'EUR',
      },
    });
    await Promise.all([
      erinSocket.next((m) => m.payment?.id === transfer.body.id),
      finnSocket.next((m) => m.payment?.id === transfer.body.id),
    ]);
    // The stream's notifier reads each record within a second: it has published by then, pushes included.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const pushed = (socket: Listener, id: string) => socket.messages.filter((m) => m.payment?.id === id);
    expect(pushed(erinSocket, deposit.body.id)).toHaveLength(1);
    expect(pushed(erinSocket, transfer.body.id)).toHaveLength(1);
    expect(pushed(finnSocket, transfer.body.id)).toHaveLength(1);
    const logged = await call('GET', `/v1/events?paymentId=${transfer.body.id}`, { token: erin.token });
    expect(logged.body.data.map((event: { id: string }) => event.id)).toEqual([
      pushed(erinSocket, transfer.body.id)[0]?.event,
    ]);
  }, 30_000);

  it('answers a subscribe with a payment that finished before the socket opened', async () => {
    const admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    const carol = await signUp('carol-ws@example.com');
    const carolWallet = await wallet(carol.token);
    const deposit = await call('POST', '/v1/admin/deposits', {
      token: admin,
      body: { accountId: carolWallet, amount: 700, currency: 'EUR', reference: 'WS-2' },
    });
    await eventually(async () =>
      (await call('GET', `/v1/payments/${deposit.body.id}`, { token: carol.token })).body.status === 'COMPLETED'
        ? true
        : undefined,
    );

    const socket = await listen(carol.token);
    socket.send({ action: 'subscribe', paymentId: deposit.body.id });

    expect(await socket.next((m) => m.type === 'subscribed')).toMatchObject({
      type: 'subscribed',
      payment: { id: deposit.body.id, status: 'COMPLETED' },
    });
    socket.send({ action: 'subscribe', paymentId: 'pay_01jd0000000000000000000000' });
    socket.socket.send('not json');
    socket.send({ action: 'dance' });
    expect(await socket.next((m) => m.code === 'not_found')).toMatchObject({ type: 'error' });
    expect(await socket.next((m) => m.code === 'invalid_json')).toMatchObject({ type: 'error' });
    expect(await socket.next((m) => m.code === 'unknown_action')).toMatchObject({ type: 'error' });
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket within seconds of its token being revoked, one token or all of them', async () => {
    const { token } = await signUp('closed-ws@example.com');
    const other = (
      await call('POST', '/v1/tokens', { body: { email: 'closed-ws@example.com', password: 'correct horse battery' } })
    ).body.token as string;
    const [revoked, kept, laterAll] = [await listen(token), await listen(other), await listen(other)];
    const closed = (listener: Listener) =>
      new Promise<number>((resolve) => {
        if (listener.socket.readyState === WebSocket.CLOSED) resolve(Date.now());
        listener.socket.once('close', () => {
          resolve(Date.now());
        });
      });

    const revokedAt = Date.now();
    expect((await call('DELETE', `/v1/tokens/${token.split('.')[0]!}`, { token: other })).status).toBe(204);
    const firstClosedAt = await closed(revoked);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stillOpen = [kept.socket.readyState, laterAll.socket.readyState];
    const allRevokedAt = Date.now();
    expect((await call('DELETE', '/v1/tokens', { token: other })).status).toBe(204);
    const lastClosedAt = Math.max(await closed(kept), await closed(laterAll));

    expect(firstClosedAt - revokedAt).toBeLessThan(3_000);
    expect(stillOpen).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    expect(lastClosedAt - allRevokedAt).toBeLessThan(3_000);
    expect((await call('GET', '/v1/me', { token: other })).status).toBe(401);
  }, 20_000);

  it('forgets a socket the client closed', async () => {
    const dave = await signUp('dave-ws@example.com');
    const endpoint = /DynamoDB Local\s+(http:\/\/\S+)/.exec(stack().output())?.[1];
    if (!endpoint) throw new Error(`The stack did not print its DynamoDB endpoint:\n${stack().output()}`);
    const dynamodb = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const connectionsOf = async (userId: string) =>
      (await dynamodb.send(new ScanCommand({ TableName: 'connections' }))).Items?.filter(
        (item) => item.userId?.S === userId,
      ).length ?? 0;
    const socket = await listen(dave.token);
    await eventually(async () => ((await connectionsOf(dave.userId)) === 1 ? true : undefined));

    socket.socket.close();

    await eventually(
      async () => ((await connectionsOf(dave.userId)) === 0 ? true : undefined),
      5_000,
      'the connection to be forgotten',
    );
    expect(await connectionsOf(dave.userId)).toBe(0);
    dynamodb.destroy();
  });
});
