import { eventually, httpClient } from './http-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack';

/**
 * The local stack as a child process for one test file: started before its tests, stopped after them, with the
 * calls every walk-through makes.
 */
export const useLocalStack = (env: Record<string, string>) => {
  let running: LocalStackProcess | undefined;
  beforeAll(async () => {
    running = await startLocalStackProcess(env);
  }, 90_000);
  afterAll(async () => {
    await running?.stop();
  }, 30_000);

  const stack = (): LocalStackProcess => {
    if (!running) throw new Error('The local stack is not running: call this from a test or a hook');
    return running;
  };
  const call = httpClient(() => stack().baseUrl);

  /** A new user; answers its first token. */
  const signUp = async (email: string): Promise<string> => {
    const reply = await call('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
    expect(reply.status).toBe(201);
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

  return { stack, call, signUp, openWallet, finalState };
};
