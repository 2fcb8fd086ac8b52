import WebSocket from 'ws';
import { ADMIN, useLocalStack } from '../support/e2e';
import { eventually } from '../support/http-client';
import { type Receiver, startReceiver } from '../support/webhook-receiver';

const { stack, call, signUp, openWallet, finalState } = useLocalStack();

const receivers: Receiver[] = [];
const sockets: WebSocket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

const adminToken = async () => (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;

const deposit = async (admin: string, accountId: string, amount: number, reference: string) => {
  const reply = await call('POST', '/v1/admin/deposits', {
    token: admin,
    body: { accountId, amount, currency: 'USD', reference },
  });
  expect(reply.status).toBe(202);
  return reply.body.id as string;
};

interface Socket {
  messages: Record<string, any>[];
  send(message: unknown): void;
  close(): void;
}

const connect = (token: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${stack().wsUrl}?token=${encodeURIComponent(token)}`);
    sockets.push(socket);
    const messages: Record<string, any>[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as Record<string, any>));
    socket.once('error', reject);
    socket.once('open', () => {
      resolve({
        messages,
        send: (message) => {
          socket.send(JSON.stringify(message));
        },
        close: () => {
          socket.close();
        },
      });
    });
  });

const until = <T>(check: () => T | undefined, what: string, timeoutMs = 10_000) =>
  eventually(() => Promise.resolve(check()), timeoutMs, what);

describe('events and webhooks through the local stack', () => {
  it('delivers payment.completed to a registered receiver with a signature standardwebhooks accepts', async () => {
    const admin = await adminToken();
    const ada = await signUp('ada-hooks@example.com');
    const bob = await signUp('bob-hooks@example.com');
    const [adaWallet, bobWallet] = [await openWallet(ada, 'USD'), await openWallet(bob, 'USD')];
    const receiver = await startReceiver();
    receivers.push(receiver);

    const created = await call('POST', '/v1/webhooks', {
      token: ada,
      body: { url: receiver.url, events: ['payment.completed'], description: 'shop' },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        id: expect.stringMatching(/^whk_/),
        url: receiver.url,
        events: ['payment.completed'],
        description: 'shop',
        status: 'enabled',
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
        createdAt: expect.any(String),
      },
    });
    receiver.secret = created.body.secret as string;
    // Money first: a transfer queued beside an unprocessed deposit may be processed before it, and fail.
    await finalState(ada, await deposit(admin, adaWallet, 10_000, 'HOOK-1'));
    const transfer = await call('POST', '/v1/payments', {
      token: ada,
      body: {
        type: 'transfer',
        sourceAccountId: adaWallet,
        destinationAccountId: bobWallet,
        amount: 2_500,
        currency: 'USD',
      },
    });
    const completed = await finalState(ada, transfer.body.id as string);

    const receipt = await until(
      () => receiver.receipts.find((r) => r.event.data.payment.id === transfer.body.id),
      'the transfer at the receiver',
    );
    expect(receipt).toMatchObject({
      verified: true,
      event: { type: 'payment.completed', data: { payment: { ...completed, id: transfer.body.id } } },
    });
    expect(receipt.id).toBe(receipt.event.id);
    expect(receipt.receivedAt - Date.parse(completed.completedAt as string)).toBeLessThan(5_000);

    // The secret is shown once; the list and the deliveries say what happened.
    const listed = await call('GET', '/v1/webhooks', { token: ada });
    expect(listed.body).toEqual({
      data: [expect.not.objectContaining({ secret: expect.anything() })],
      nextCursor: null,
    });
    const deliveries = await call('GET', `/v1/webhooks/${created.body.id}/deliveries?status=delivered`, { token: ada });
    expect(deliveries.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventId: receipt.id, status: 'delivered', attempts: 1, lastStatusCode: 204 }),
      ]),
    );
    // The event log agrees: the payer sees both of its payments' events, the payee only the transfer.
    const adaEvents = await call('GET', '/v1/events?type=payment.completed', { token: ada });
    const bobEvents = await call('GET', '/v1/events', { token: bob });
    expect(adaEvents.body.data.map((e: any) => e.data.payment.type)).toEqual(['deposit', 'transfer']);
    expect(bobEvents.body.data.map((e: any) => e.id)).toEqual([receipt.id]);

    // Someone else's endpoint does not exist for bob; once deleted, ada's gets nothing more.
    expect((await call('DELETE', `/v1/webhooks/${created.body.id}`, { token: bob })).status).toBe(404);
    expect((await call('DELETE', `/v1/webhooks/${created.body.id}`, { token: ada })).status).toBe(204);
    const after = await deposit(admin, adaWallet, 100, 'HOOK-2');
    await finalState(ada, after);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.receipts.some((r) => r.event.data.payment.id === after)).toBe(false);
  }, 60_000);

  it('refuses webhook URLs a receiver on this machine does not use, with a validation error', async () => {
    const carol = await signUp('carol-hooks@example.com');
    for (const url of ['https://10.0.0.1/hooks', 'http://example.com/hooks', 'https://169.254.169.254/', 'nope']) {
      const reply = await call('POST', '/v1/webhooks', { token: carol, body: { url, events: ['payment.failed'] } });
      expect(reply).toMatchObject({ status: 400, body: { code: 'validation_error', errors: [{ path: 'url' }] } });
    }
    const unknownType = await call('POST', '/v1/webhooks', {
      token: carol,
      body: { url: 'http://127.0.0.1:9/hooks', events: ['payment.refunded'] },
    });
    expect(unknownType).toMatchObject({ status: 400, body: { code: 'validation_error' } });
  });

  it('replays on resume, in order and shaped as live pushes, the events a closed socket missed', async () => {
    const admin = await adminToken();
    const dora = await signUp('dora-resume@example.com');
    const wallet = await openWallet(dora, 'USD');

    const first = await connect(dora);
    const firstDeposit = await deposit(admin, wallet, 1_000, 'RESUME-1');
    const live = await until(
      () => first.messages.find((m) => m.payment?.id === firstDeposit),
      'the first deposit pushed live',
    );
    expect(live).toMatchObject({ type: 'payment.completed', event: expect.stringMatching(/^evt_/) });
    first.close();

    const missed = [];
    for (const reference of ['RESUME-2', 'RESUME-3', 'RESUME-4']) {
      const id = await deposit(admin, wallet, 100, reference);
      await finalState(dora, id);
      missed.push(id);
    }
    // The notifier logs an event a moment after its payment is final: the socket asks once the log has them.
    const logged = await eventually(
      async () => {
        const reply = await call('GET', `/v1/events?after=${live.event as string}`, { token: dora });
        return reply.body.data.length === 3 ? reply.body.data : undefined;
      },
      10_000,
      'the missed events in the log',
    );
    const again = await connect(dora);
    again.send({ action: 'resume', after: live.event });
    const replayed = await until(
      () => (again.messages.length >= 3 ? again.messages.slice(0, 3) : undefined),
      'three replayed events',
    );

    expect(replayed.map((m) => m.payment.id)).toEqual(missed);
    expect(replayed.every((m) => m.type === 'payment.completed' && /^evt_/.test(m.event))).toBe(true);
    const ids = replayed.map((m) => m.event as string);
    expect([...ids].sort()).toEqual(ids);
    expect(logged.map((e: any) => ({ type: e.type, event: e.id, payment: e.data.payment }))).toEqual(replayed);

    // New events follow the replay, live; a bad resume is an error and the socket stays usable.
    const next = await deposit(admin, wallet, 50, 'RESUME-5');
    await until(() => again.messages.find((m) => m.payment?.id === next), 'a live push after the replay');
    again.send({ action: 'resume', after: 'yesterday' });
    expect(await until(() => again.messages.find((m) => m.type === 'error'), 'an error')).toMatchObject({
      code: 'validation_error',
    });
  }, 60_000);
});
