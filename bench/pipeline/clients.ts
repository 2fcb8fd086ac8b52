import WebSocket from 'ws';
import { confirmationTokenOf } from '../../test/support/e2e';
import { httpClient, type Reply } from '../../test/support/http-client';

/** The gateway as the benchmark's clients see it: HTTP calls, and one WebSocket per user. */

export type Call = ReturnType<typeof httpClient>;

const expectStatus = (reply: Reply, status: number, what: string): Reply => {
  if (reply.status !== status) {
    throw new Error(`${what} answered ${reply.status}, not ${status}: ${JSON.stringify(reply.body)}`);
  }
  return reply;
};

/** A user's WebSocket: when each payment's final state reached it, and how often (a second push would count twice). */
export interface Listener {
  /** When the push of the payment's first final state arrived (`performance.now()`), once it has. */
  arrival(paymentId: string, timeoutMs: number): Promise<{ at: number; status: string }>;
  /** Pushes of one event received more than once. */
  duplicates(): number;
  close(): void;
}

const FINAL = new Set(['payment.completed', 'payment.failed', 'payment.authorized', 'payment.voided']);

export const listen = (wsUrl: string, token: string): Promise<Listener> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
    const arrived = new Map<string, { at: number; status: string }>();
    const waiting = new Map<string, ((value: { at: number; status: string }) => void)[]>();
    const seen = new Set<string>();
    let duplicates = 0;
    socket.on('message', (data: Buffer) => {
      const at = performance.now();
      const message = JSON.parse(data.toString('utf8')) as { type?: string; event?: string; payment?: { id: string } };
      if (!FINAL.has(message.type ?? '') || !message.payment) return;
      const eventId = message.event ?? '';
      if (seen.has(eventId)) duplicates += 1;
      seen.add(eventId);
      const { id } = message.payment;
      if (arrived.has(id)) return;
      const value = { at, status: (message.type ?? '').replace('payment.', '').toUpperCase() };
      arrived.set(id, value);
      for (const wake of waiting.get(id) ?? []) wake(value);
      waiting.delete(id);
    });
    socket.once('error', reject);
    socket.once('open', () => {
      resolve({
        arrival: (paymentId, timeoutMs) => {
          const known = arrived.get(paymentId);
          if (known) return Promise.resolve(known);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => {
              fail(new Error(`No push for ${paymentId} within ${timeoutMs} ms`));
            }, timeoutMs);
            waiting.set(paymentId, [
              ...(waiting.get(paymentId) ?? []),
              (value) => {
                clearTimeout(timer);
                done(value);
              },
            ]);
          });
        },
        duplicates: () => duplicates,
        close: () => {
          socket.terminate();
        },
      });
    });
  });

export interface User {
  userId: string;
  token: string;
  wallets: string[];
  listener: Listener;
}

/** A confirmed user with `wallets` USD wallets and its WebSocket open. */
export const newUser = async (call: Call, wsUrl: string, email: string, wallets: number): Promise<User> => {
  const signedUp = expectStatus(
    await call('POST', '/v1/users', { body: { email, password: 'correct horse battery' } }),
    201,
    'POST /v1/users',
  );
  const { token, user } = signedUp.body as { token: { token: string }; user: { id: string } };
  const confirmation = await confirmationTokenOf(call, email);
  expectStatus(await call('POST', '/v1/users/confirmation', { body: { token: confirmation } }), 200, 'confirmation');
  const ids: string[] = [];
  for (let index = 0; index < wallets; index++) {
    const opened = await call('POST', '/v1/accounts', { token: token.token, body: { currency: 'USD' } });
    ids.push((expectStatus(opened, 201, 'POST /v1/accounts').body as { id: string }).id);
  }
  return { userId: user.id, token: token.token, wallets: ids, listener: await listen(wsUrl, token.token) };
};

export const adminToken = async (call: Call, email: string, password: string): Promise<string> =>
  (
    expectStatus(await call('POST', '/v1/tokens', { body: { email, password } }), 201, 'POST /v1/tokens').body as {
      token: string;
    }
  ).token;

/** A bank deposit into a wallet, answered INITIATED; its id. */
export const deposit = async (call: Call, admin: string, accountId: string, amount: number): Promise<string> => {
  const body = { accountId, amount, currency: 'USD', reference: `BENCH-${accountId}-${Date.now()}` };
  const reply = await call('POST', '/v1/admin/deposits', { token: admin, body });
  return (expectStatus(reply, 202, 'POST /v1/admin/deposits').body as { id: string }).id;
};

/** A transfer between two USD wallets under its own Idempotency-Key, answered INITIATED; its id. */
export const postTransfer = async (
  call: Call,
  token: string,
  from: string,
  to: string,
  key: string,
): Promise<string> => {
  const body = { type: 'transfer', sourceAccountId: from, destinationAccountId: to, amount: 100, currency: 'USD' };
  const reply = await call('POST', '/v1/payments', { token, body, headers: { 'idempotency-key': key } });
  return (expectStatus(reply, 202, 'POST /v1/payments').body as { id: string }).id;
};

/** Runs `work` on every item, at most `width` at once. */
export const inBatches = async <T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>) => {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    results.push(...(await Promise.all(items.slice(start, start + width).map(work))));
  }
  return results;
};
