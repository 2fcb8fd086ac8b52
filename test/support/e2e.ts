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

/**
 * The local stack as a child process for one test file: started before its tests, stopped after them, with the
 * calls every walk-through makes.
 */
export const useLocalStack = (env: Record<string, string>) => {
  let running: LocalStackProcess | undefined;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    running = await startLocalStackProcess(env);
  }, 90_000);
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await running?.stop();
  }, 30_000);

  const stack = (): LocalStackProcess => {
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
