import WebSocket from 'ws';
import { eventually, httpClient, type Reply } from './http-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack';

type Call = ReturnType<typeof httpClient>;

/** The confirmation token of the newest email the local stack captured for `email`, as a user would read it. */
export const confirmationTokenOf = (call: Call, email: string): Promise<string> =>
  eventually(
    async () => {
      const reply: Reply = await call('GET', `/local/emails?to=${encodeURIComponent(email)}`);
      const text = (reply.body as { data: { text: string }[] } | undefined)?.data[0]?.text;
      return text?.match(/[A-Za-z0-9_-]{20,}/)?.[0];
    },
    10_000,
    `a confirmation email to ${email}`,
  );

/** Confirms a new user's email with the token of its confirmation email. */
export const confirmEmail = async (call: Call, email: string): Promise<void> => {
  const reply = await call('POST', '/v1/users/confirmation', {
    body: { token: await confirmationTokenOf(call, email) },
  });
  expect(reply).toMatchObject({ status: 200, body: { email, emailVerified: true } });
};

/** The admin of the shared local stack, whom `ADMIN_EMAIL` and `ADMIN_PASSWORD` create. */
export const ADMIN = { email: 'operator@example.com', password: 'a long admin password' };
export const SHARED_STACK_ENV = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
/** The variable through which the global setup (test/support/e2e-global-setup.ts) tells the test files its stack. */
export const SHARED_STACK_VARIABLE = 'TEST_SHARED_LOCAL_STACK';

/** Where the shared stack runs, and what it printed as it started (its endpoints). */
export interface SharedStack {
  baseUrl: string;
  wsUrl: string;
  startOutput: string;
}

/** The part of a local stack a test file uses. */
export type UsedStack = Pick<LocalStackProcess, 'baseUrl' | 'wsUrl' | 'output'>;

const sharedStack = (): UsedStack => {
  const raw = process.env[SHARED_STACK_VARIABLE];
  if (raw === undefined)
    throw new Error(`${SHARED_STACK_VARIABLE} is not set: the e2e project's global setup starts it`);
  const { baseUrl, wsUrl, startOutput } = JSON.parse(raw) as SharedStack;
  return { baseUrl, wsUrl, output: () => startOutput };
};

/**
 * The calls every walk-through makes, on a local stack. Without `env`, the stack the end-to-end files share, on which
 * each file sees only its own users' data; with `env`, one of the file's own, started before its tests and stopped
 * after them, for a file that reads or changes what is the whole gateway's (technical accounts' balances, reports, the
 * admin's tokens).
 */
export const useLocalStack = (env?: Record<string, string>) => {
  let running: UsedStack | undefined;
  let own: LocalStackProcess | undefined;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    running = env === undefined ? sharedStack() : (own = await startLocalStackProcess(env));
  }, 90_000);
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await own?.stop();
  }, 30_000);

  const stack = (): UsedStack => {
    if (!running) throw new Error('The local stack is not running: call this from a test or a hook');
    return running;
  };
  const call = httpClient(() => stack().baseUrl);

  /** A new user, its email confirmed unless `verified` is false; answers its first token. */
  const signUp = async (email: string, { verified = true } = {}): Promise<string> => {
    const reply = await call('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
    expect(reply.status).toBe(201);
    if (verified) await confirmEmail(call, email);
    return (reply.body as { token: { token: string } }).token.token;
  };

  const openWallet = async (token: string, currency: string): Promise<string> => {
    const reply = await call('POST', '/v1/accounts', { token, body: { currency } });
    expect(reply.status).toBe(201);
    return (reply.body as { id: string }).id;
  };

  /** The payment once it is COMPLETED or FAILED. */
  const finalState = (token: string, id: string) =>
    eventually(
      async () => {
        const reply = await call('GET', `/v1/payments/${id}`, { token });
        const payment = reply.body as Record<string, unknown> | undefined;
        return payment?.status === 'INITIATED' ? undefined : payment;
      },
      15_000,
      `payment ${id} to be final`,
    );

  /** A WebSocket opened with `token`: every message it receives, as JSON, in order. Closed after the file's tests. */
  const listen = (token: string): Promise<{ messages: Record<string, unknown>[] }> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(`${stack().wsUrl}?token=${encodeURIComponent(token)}`);
      sockets.push(socket);
      const messages: Record<string, unknown>[] = [];
      socket.on('message', (data: Buffer) =>
        messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
      );
      socket.once('error', reject);
      socket.once('open', () => {
        resolve({ messages });
      });
    });

  return { stack, call, signUp, openWallet, finalState, listen };
};
