import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack';
import { routes } from '../../functions/manifest';
import { ADMIN, useLocalStack } from '../support/e2e';

const { stack } = useLocalStack();

interface Reply {
  status: number;
  contentType: string | null;
  body: any;
}

const call = async (
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string } = {},
): Promise<Reply> => {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack().baseUrl}${path}`, {
    method,
    headers,
    ...(options.raw !== undefined
      ? { body: options.raw }
      : options.body !== undefined
        ? { body: JSON.stringify(options.body) }
        : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text === '' ? undefined : JSON.parse(text),
  };
};

const signUp = async (email: string) => {
  const reply = await call('POST', '/v1/users', { body: { email, password: 'correct horse battery' } });
  expect(reply.status).toBe(201);
  return reply.body as { user: { id: string }; token: { id: string; token: string } };
};

const expectProblem = (reply: Reply, status: number, code: string) => {
  expect({ status: reply.status, contentType: reply.contentType, code: reply.body?.code }).toEqual({
    status,
    contentType: 'application/problem+json',
    code,
  });
  expect(reply.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
};

describe('the local stack over HTTP', () => {
  // Bad input changes nothing, so one user sends all of it: one sign-up (one scrypt hash), not one per case.
  let badInputUser: Promise<string> | undefined;
  const badInputToken = () => (badInputUser ??= signUp('bad-input@example.com').then(({ token }) => token.token));

  it('answers health and its OpenAPI 3.1 document', async () => {
    expect(await call('GET', '/v1/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const openapi = await call('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toContain('/v1/accounts/{id}');
  });

  it('signs users up, issues and lists tokens, and refuses a revoked token at once', async () => {
    const ada = await signUp('ada@example.com');
    expectProblem(
      await call('POST', '/v1/users', { body: { email: 'ADA@example.com', password: 'another password' } }),
      409,
      'email_taken',
    );

    const me = await call('GET', '/v1/me', { token: ada.token.token });
    expect(me).toMatchObject({
      status: 200,
      body: { id: ada.user.id, email: 'ada@example.com', name: null, role: 'user' },
    });

    expectProblem(
      await call('POST', '/v1/tokens', { body: { email: 'ada@example.com', password: 'wrong password' } }),
      401,
      'invalid_credentials',
    );
    const laptop = await call('POST', '/v1/tokens', {
      body: { email: 'ada@example.com', password: 'correct horse battery', name: 'laptop' },
    });
    expect(laptop).toMatchObject({
      status: 201,
      body: { id: expect.stringMatching(/^tok_/), token: expect.any(String), name: 'laptop' },
    });

    const listed = await call('GET', '/v1/tokens', { token: laptop.body.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((t: { id: string }) => t.id)).toEqual([ada.token.id, laptop.body.id]);
    expect(JSON.stringify(listed.body)).not.toContain(laptop.body.token);
    expect(listed.body.nextCursor).toBeNull();

    expect((await call('DELETE', `/v1/tokens/${ada.token.id}`, { token: laptop.body.token })).status).toBe(204);
    expectProblem(await call('GET', '/v1/me', { token: ada.token.token }), 401, 'unauthorized');
    expect((await call('GET', '/v1/me', { token: laptop.body.token })).status).toBe(200);
  });

  it('opens wallets for their owner and hides them from everyone else', async () => {
    const ada = await signUp('wallets-ada@example.com');
    const bob = await signUp('wallets-bob@example.com');

    const opened = await call('POST', '/v1/accounts', {
      token: ada.token.token,
      body: { currency: 'BHD', name: 'Savings' },
    });
    expect(opened).toMatchObject({
      status: 201,
      body: {
        kind: 'user',
        purpose: 'wallet',
        ownerId: ada.user.id,
        currency: 'BHD',
        balance: 0,
        status: 'active',
        name: 'Savings',
      },
    });
    const id = opened.body.id as string;

    expect(await call('GET', `/v1/accounts/${id}`, { token: ada.token.token })).toMatchObject({
      status: 200,
      body: { id },
    });
    expectProblem(await call('GET', `/v1/accounts/${id}`, { token: bob.token.token }), 404, 'not_found');
    expectProblem(
      await call('GET', '/v1/accounts/acc_01jd0000000000000000000000', { token: ada.token.token }),
      404,
      'not_found',
    );
    expect((await call('GET', '/v1/accounts', { token: bob.token.token })).body).toEqual({
      data: [],
      nextCursor: null,
    });
    expectProblem(await call('DELETE', `/v1/tokens/${ada.token.id}`, { token: bob.token.token }), 404, 'not_found');
  });

  it('keeps operator routes to admins', async () => {
    const user = await signUp('not-an-admin@example.com');
    const admin = await call('POST', '/v1/tokens', { body: ADMIN });
    expect(admin.status).toBe(201);

    expectProblem(await call('GET', '/v1/admin/accounts', { token: user.token.token }), 403, 'forbidden');
    const all = await call('GET', '/v1/admin/accounts?kind=user&limit=100', { token: admin.body.token });
    expect(all.status).toBe(200);
    expect(all.body.data.every((account: { kind: string }) => account.kind === 'user')).toBe(true);
  });

  it('renames, tags, freezes and closes an account, and finds it by its metadata', async () => {
    const { token } = (await signUp('controls@example.com')).token;
    const admin = (await call('POST', '/v1/tokens', { body: ADMIN })).body.token as string;
    const opened = await call('POST', '/v1/accounts', {
      token,
      body: { currency: 'EUR', name: 'Float', metadata: { team: 'ops', region: 'eu' } },
    });
    expect(opened).toMatchObject({ status: 201, body: { metadata: { team: 'ops', region: 'eu' }, held: 0 } });
    const id = opened.body.id as string;

    const patched = await call('PATCH', `/v1/accounts/${id}`, {
      token,
      body: { name: 'Ops float', metadata: { region: null, cost: 'c-7' } },
    });
    expect(patched).toMatchObject({ status: 200, body: { name: 'Ops float', metadata: { team: 'ops', cost: 'c-7' } } });
    const found = await call('GET', '/v1/accounts?metadata[cost]=c-7', { token });
    expect(found.body.data.map((account: { id: string }) => account.id)).toEqual([id]);
    expectProblem(
      await call('PATCH', `/v1/accounts/${id}`, { token, body: { metadata: { 'bad key!': 'x' } } }),
      400,
      'validation_error',
    );

    const frozen = await call('POST', `/v1/admin/accounts/${id}/freeze`, { token: admin, body: { reason: 'review' } });
    expect(frozen).toMatchObject({ status: 200, body: { status: 'frozen' } });
    expect((await call('GET', `/v1/accounts/${id}`, { token })).body.status).toBe('frozen');
    expect((await call('POST', `/v1/admin/accounts/${id}/unfreeze`, { token: admin, body: {} })).body.status).toBe(
      'active',
    );

    const closed = await call('POST', `/v1/accounts/${id}/close`, { token });
    expect(closed).toMatchObject({ status: 200, body: { status: 'closed' } });
    expect((await call('POST', `/v1/accounts/${id}/close`, { token })).body.status).toBe('closed');
    expectProblem(await call('PATCH', `/v1/accounts/${id}`, { token, body: { name: 'x' } }), 422, 'account_closed');
  });

  it.each([
    ['malformed JSON', 'POST', '/v1/accounts', { raw: '{"currency": "USD"' }, 400, 'invalid_json'],
    ['an unknown currency', 'POST', '/v1/accounts', { body: { currency: 'XYZ' } }, 400, 'unsupported_currency'],
    [
      'a balance set by the client',
      'POST',
      '/v1/accounts',
      { body: { currency: 'USD', balance: 1000 } },
      400,
      'validation_error',
    ],
    ['a currency of the wrong type', 'POST', '/v1/accounts', { body: { currency: ['USD'] } }, 400, 'validation_error'],
    ['an unknown filter', 'GET', '/v1/accounts?colour=red', {}, 400, 'validation_error'],
    ['an unknown sort field', 'GET', '/v1/accounts?sort=ownerId', {}, 400, 'validation_error'],
    ['two metadata filters', 'GET', '/v1/accounts?metadata[a]=1&metadata[b]=2', {}, 400, 'validation_error'],
    ['a fractional balance bound', 'GET', '/v1/accounts?minBalance=1.5', {}, 400, 'validation_error'],
    ['a bad cursor', 'GET', '/v1/accounts?cursor=%%%', {}, 400, 'validation_error'],
    ['an unknown route', 'GET', '/v1/nowhere', {}, 404, 'not_found'],
    ['a method the path does not serve', 'PATCH', '/v1/accounts', {}, 405, 'method_not_allowed'],
    ['a time without seconds', 'GET', '/v1/accounts/acc_1/balance?at=2026-02-28T00:00Z', {}, 400, 'validation_error'],
    ['a time before 1970', 'GET', '/v1/accounts/acc_1/balance?at=1969-12-31T23:59:59Z', {}, 400, 'validation_error'],
    ['a day the calendar lacks', 'GET', '/v1/payments?from=2026-02-30T00:00:00Z', {}, 400, 'validation_error'],
  ])('answers %s with the contract’s problem', async (_case, method, path, options, status, code) => {
    const token = await badInputToken();

    expectProblem(await call(method, path, { token, ...options }), status, code);
  });

  it('answers a method a path does not serve with 405 and the methods it does serve in Allow', async () => {
    const reply = await fetch(`${stack().baseUrl}/v1/payments`, { method: 'DELETE' });

    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers every protected route 401 unauthorized without a token, or with a revoked or garbled one', async () => {
    const ada = await signUp('protected@example.com');
    await call('DELETE', `/v1/tokens/${ada.token.id}`, { token: ada.token.token });

    for (const route of routes.filter((r) => r.access !== 'public')) {
      const path = route.path.replace('{id}', 'acc_01jd0000000000000000000000');
      for (const token of [undefined, ada.token.token, 'garbage', `${ada.token.id}.${'x'.repeat(43)}`]) {
        const reply = await call(route.method, path, {
          ...(token === undefined ? {} : { token }),
          ...(route.method === 'GET' ? {} : { body: {} }),
        });
        expect({ route: `${route.method} ${route.path}`, status: reply.status, code: reply.body?.code }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 401,
          code: 'unauthorized',
        });
      }
    }
  });

  it('never answers a 5xx to hostile input on any route', async () => {
    const { token } = (await signUp('hostile@example.com')).token;
    const bodies = [
      '',
      'null',
      '[]',
      '"x"',
      '1e309',
      '{"__proto__":{"role":"admin"}}',
      '\u0000',
      '{"a":'.repeat(2000),
      'x'.repeat(70_000),
    ];

    for (const route of routes) {
      const path = route.path.replace('{id}', '%E0%A4%A');
      for (const raw of bodies) {
        const reply = await fetch(`${stack().baseUrl}${path}?limit=abc&cursor=%ff`, {
          method: route.method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { body: raw }),
        });
        expect({ route: `${route.method} ${route.path}`, raw: raw.slice(0, 20), status: reply.status < 500 }).toEqual({
          route: `${route.method} ${route.path}`,
          raw: raw.slice(0, 20),
          status: true,
        });
      }
    }
    // Some 300 requests, one after the other.
  }, 30_000);
});

describe('a restart of the local stack', () => {
  it('keeps users, tokens and accounts', async () => {
    const first = await startLocalStackProcess({}, { keepData: true });
    let second: LocalStackProcess | undefined;
    try {
      const signup = await fetch(`${first.baseUrl}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'durable@example.com', password: 'correct horse battery' }),
      });
      const { token } = (await signup.json()) as { token: { token: string } };
      const opened = await fetch(`${first.baseUrl}/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token.token}` },
        body: JSON.stringify({ currency: 'EUR' }),
      });
      const account = (await opened.json()) as { id: string };
      await first.stop();

      second = await startLocalStackProcess({}, { dataDir: first.dataDir });
      const after = await fetch(`${second.baseUrl}/v1/accounts/${account.id}`, {
        headers: { authorization: `Bearer ${token.token}` },
      });

      expect(after.status).toBe(200);
      expect(await after.json()).toMatchObject({ id: account.id, currency: 'EUR', balance: 0 });
    } finally {
      await second?.stop();
      await first.stop();
      await import('node:fs/promises').then(({ rm }) => rm(first.dataDir, { recursive: true, force: true }));
    }
  }, 120_000);
});
