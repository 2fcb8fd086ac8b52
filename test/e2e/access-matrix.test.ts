import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { routes } from '../../functions/manifest';
import { useLocalStack } from '../support/e2e';

/**
 * Who may call what: every route of the manifest against every kind of caller, with the status each must get, on the
 * real local stack. A route without a row fails the test, so a new route cannot ship without saying who may call it.
 */
const ADMIN = { email: 'matrix-admin@example.com', password: 'a long admin password' };
const PASSWORD = 'correct horse battery';

const callers = ['none', 'expired', 'revoked', 'unverified', 'other', 'owner', 'admin'] as const;
type Caller = (typeof callers)[number];

interface Fixtures {
  tokens: Record<Exclude<Caller, 'none'>, string>;
  ownerWallet: string;
  otherWallet: string;
  ownerPayment: string;
}

interface Request {
  path: string;
  body?: unknown;
  /** The caller's token, when this request needs one of its own rather than the shared one. */
  token?: string;
}

interface Row {
  request: (fixtures: Fixtures, caller: Caller) => Request | Promise<Request>;
  /** The status of each caller, in the order of `callers`. */
  expect: readonly [number, number, number, number, number, number, number];
}

// A stack of its own: a row revokes every token of the admin.
const { stack, call, signUp, openWallet, finalState } = useLocalStack({
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  SWEEP_INTERVAL_SECONDS: '1',
});

let unique = 0;
const next = () => ++unique;
const signIn = async (email: string, password = PASSWORD) =>
  (await call('POST', '/v1/tokens', { body: { email, password } })).body.token as string;

// Nothing listens there: the endpoints are registered, never delivered to within the test.
const WEBHOOK_URL = 'http://127.0.0.1:9/matrix';
const ownerWebhook = async (fixtures: Fixtures): Promise<string> => {
  const created = await call('POST', '/v1/webhooks', {
    token: fixtures.tokens.owner,
    body: { url: WEBHOOK_URL, events: ['payment.failed'] },
  });
  if (created.status !== 201) throw new Error(`Could not register a webhook: ${created.status}`);
  return created.body.id as string;
};

/** A fresh authorization of the owner's, paying the other user: each caller tries to capture or void its own. */
const ownerAuthorization = async (fixtures: Fixtures): Promise<string> => {
  const created = await call('POST', '/v1/payments', {
    token: fixtures.tokens.owner,
    body: {
      type: 'transfer',
      sourceAccountId: fixtures.ownerWallet,
      destinationAccountId: fixtures.otherWallet,
      amount: 1,
      currency: 'USD',
      capture: 'manual',
    },
  });
  const authorized = await finalState(fixtures.tokens.owner, created.body.id as string);
  if (authorized.status !== 'AUTHORIZED')
    throw new Error(`The fixture authorization ended ${String(authorized.status)}`);
  return created.body.id as string;
};

const anyone = [200, 200, 200, 200, 200, 200, 200] as const;
const users = (ok: number) => [401, 401, 401, ok, ok, ok, ok] as const;
const owners = (ok: number) => [401, 401, 401, 404, 404, ok, ok] as const;
const admins = (ok: number) => [401, 401, 401, 403, 403, 403, ok] as const;

const rows: Record<string, Row> = {
  'GET /v1/health': { request: () => ({ path: '/v1/health' }), expect: anyone },
  'GET /openapi.json': { request: () => ({ path: '/openapi.json' }), expect: anyone },
  'POST /v1/users': {
    request: () => ({ path: '/v1/users', body: { email: `matrix-${next()}@example.com`, password: PASSWORD } }),
    expect: [201, 201, 201, 201, 201, 201, 201],
  },
  'POST /v1/users/confirmation': {
    request: () => ({
      path: '/v1/users/confirmation',
      body: { token: `usr_01jd0000000000000000000000_${'A'.repeat(43)}` },
    }),
    expect: [400, 400, 400, 400, 400, 400, 400],
  },
  'POST /v1/me/confirmation': {
    // An unverified user was sent its sign-up email within the minute: a fresh one, so the test never races the clock.
    request: async (_fixtures, caller) =>
      caller === 'unverified'
        ? { path: '/v1/me/confirmation', token: await signUp(`matrix-${next()}@example.com`, { verified: false }) }
        : { path: '/v1/me/confirmation' },
    expect: [401, 401, 401, 429, 409, 409, 409],
  },
  'POST /v1/tokens': {
    request: () => ({ path: '/v1/tokens', body: { email: 'matrix-owner@example.com', password: PASSWORD } }),
    expect: [201, 201, 201, 201, 201, 201, 201],
  },
  'GET /v1/tokens': { request: () => ({ path: '/v1/tokens' }), expect: users(200) },
  'DELETE /v1/tokens/{id}': {
    request: async () => ({ path: `/v1/tokens/${(await signIn('matrix-owner@example.com')).split('.')[0]!}` }),
    expect: [401, 401, 401, 404, 404, 204, 404],
  },
  // Revokes every token of the caller: the last row to run.
  'DELETE /v1/tokens': { request: () => ({ path: '/v1/tokens' }), expect: users(204) },
  'GET /v1/me': { request: () => ({ path: '/v1/me' }), expect: users(200) },
  'POST /v1/accounts': { request: () => ({ path: '/v1/accounts', body: { currency: 'USD' } }), expect: users(201) },
  'GET /v1/accounts': { request: () => ({ path: '/v1/accounts' }), expect: users(200) },
  'GET /v1/accounts/{id}': { request: (f) => ({ path: `/v1/accounts/${f.ownerWallet}` }), expect: owners(200) },
  'GET /v1/admin/accounts': { request: () => ({ path: '/v1/admin/accounts' }), expect: admins(200) },
  'PATCH /v1/accounts/{id}': {
    request: (f) => ({ path: `/v1/accounts/${f.ownerWallet}`, body: { metadata: { matrix: 'yes' } } }),
    // An admin reads any account, but only its owner changes it.
    expect: [401, 401, 401, 404, 404, 200, 403],
  },
  'POST /v1/accounts/{id}/close': {
    // An empty wallet of the owner's own for each caller to try, since a successful try closes it.
    request: async (f) => ({ path: `/v1/accounts/${await openWallet(f.tokens.owner, 'USD')}/close` }),
    expect: [401, 401, 401, 404, 404, 200, 200],
  },
  'POST /v1/admin/accounts/{id}/freeze': {
    request: async (f) => ({ path: `/v1/admin/accounts/${await openWallet(f.tokens.owner, 'USD')}/freeze`, body: {} }),
    expect: admins(200),
  },
  'POST /v1/admin/accounts/{id}/unfreeze': {
    request: async (f) => ({
      path: `/v1/admin/accounts/${await openWallet(f.tokens.owner, 'USD')}/unfreeze`,
      body: {},
    }),
    expect: admins(200),
  },
  'GET /v1/accounts/{id}/operations': {
    request: (f) => ({ path: `/v1/accounts/${f.ownerWallet}/operations` }),
    expect: owners(200),
  },
  'GET /v1/accounts/{id}/balance': {
    request: (f) => ({ path: `/v1/accounts/${f.ownerWallet}/balance` }),
    expect: owners(200),
  },
  'GET /v1/fees': { request: () => ({ path: '/v1/fees' }), expect: anyone },
  'POST /v1/payments': {
    request: (f) => ({
      path: '/v1/payments',
      body: {
        type: 'transfer',
        sourceAccountId: f.ownerWallet,
        destinationAccountId: f.otherWallet,
        amount: 1,
        currency: 'USD',
      },
    }),
    expect: [401, 401, 401, 403, 404, 202, 404],
  },
  'GET /v1/payments': { request: () => ({ path: '/v1/payments' }), expect: users(200) },
  'GET /v1/payments/{id}': {
    request: (f) => ({ path: `/v1/payments/${f.ownerPayment}` }),
    // The payee of a completed payment sees it too.
    expect: [401, 401, 401, 404, 200, 200, 200],
  },
  // The payee (the other user) or an operator refunds; the payer, who sees the payment, may not.
  'POST /v1/payments/{id}/refunds': {
    request: (f) => ({ path: `/v1/payments/${f.ownerPayment}/refunds`, body: { amount: 1 } }),
    expect: [401, 401, 401, 403, 202, 403, 202],
  },
  // The payer or an operator captures or voids; the payee, who sees the payment, may not.
  'POST /v1/payments/{id}/capture': {
    request: async (f) => ({ path: `/v1/payments/${await ownerAuthorization(f)}/capture`, body: {} }),
    expect: [401, 401, 401, 403, 403, 200, 200],
  },
  'POST /v1/payments/{id}/void': {
    request: async (f) => ({ path: `/v1/payments/${await ownerAuthorization(f)}/void` }),
    expect: [401, 401, 401, 403, 403, 200, 200],
  },
  'POST /v1/admin/deposits': {
    request: (f) => ({
      path: '/v1/admin/deposits',
      body: { accountId: f.ownerWallet, amount: 1, currency: 'USD', reference: `MATRIX-${next()}` },
    }),
    expect: admins(202),
  },
  'GET /v1/rates': { request: () => ({ path: '/v1/rates' }), expect: anyone },
  'PUT /v1/admin/rates/{base}/{quote}': {
    request: () => ({ path: '/v1/admin/rates/USD/EUR', body: { rate: '0.91' } }),
    expect: admins(200),
  },
  'GET /v1/admin/rates/{base}/{quote}/history': {
    request: () => ({ path: '/v1/admin/rates/USD/EUR/history' }),
    expect: admins(200),
  },
  'GET /v1/admin/reports/summary': {
    request: () => ({ path: '/v1/admin/reports/summary?from=2026-01-01T00:00:00Z' }),
    expect: admins(200),
  },
  'GET /v1/events': { request: () => ({ path: '/v1/events' }), expect: users(200) },
  'POST /v1/webhooks': {
    request: () => ({ path: '/v1/webhooks', body: { url: WEBHOOK_URL, events: ['payment.completed'] } }),
    expect: users(201),
  },
  'GET /v1/webhooks': { request: () => ({ path: '/v1/webhooks' }), expect: users(200) },
  'DELETE /v1/webhooks/{id}': {
    // An endpoint of the owner's own for each caller to try, since the owner's try deletes it.
    request: async (f) => ({ path: `/v1/webhooks/${await ownerWebhook(f)}` }),
    expect: [401, 401, 401, 404, 404, 204, 404],
  },
  'GET /v1/webhooks/{id}/deliveries': {
    request: async (f) => ({ path: `/v1/webhooks/${await ownerWebhook(f)}/deliveries` }),
    expect: [401, 401, 401, 404, 404, 200, 404],
  },
};

const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** Makes a token expired as time would: its record's `expiresAt` in the past, in the stack's own DynamoDB Local. */
const expire = async (token: string) => {
  const endpoint = /DynamoDB Local\s+(http:\/\/\S+)/.exec(stack().output())?.[1];
  if (!endpoint) throw new Error(`The stack did not print its DynamoDB endpoint:\n${stack().output()}`);
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: 'tokens',
        Key: { id: { S: token.split('.')[0]! } },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': { S: new Date(Date.now() - 1_000).toISOString() } },
      }),
    );
  } finally {
    dynamodb.destroy();
  }
};

let fixtures: Fixtures;

beforeAll(async () => {
  const owner = await signUp('matrix-owner@example.com');
  const other = await signUp('matrix-other@example.com');
  const admin = await signIn(ADMIN.email, ADMIN.password);
  const [expired, revoked] = [await signIn('matrix-owner@example.com'), await signIn('matrix-owner@example.com')];
  await expire(expired);
  const revocation = await call('DELETE', `/v1/tokens/${revoked.split('.')[0]!}`, { token: owner });
  if (revocation.status !== 204) throw new Error(`Could not revoke a token: ${revocation.status}`);
  const [ownerWallet, otherWallet] = [await openWallet(owner, 'USD'), await openWallet(other, 'USD')];
  const deposit = await call('POST', '/v1/admin/deposits', {
    token: admin,
    body: { accountId: ownerWallet, amount: 10_000, currency: 'USD', reference: 'MATRIX-FUNDS' },
  });
  await finalState(admin, deposit.body.id as string);
  const payment = await call('POST', '/v1/payments', {
    token: owner,
    body: {
      type: 'transfer',
      sourceAccountId: ownerWallet,
      destinationAccountId: otherWallet,
      amount: 100,
      currency: 'USD',
    },
  });
  // Completed, so that its payee may see it.
  const settled = await finalState(owner, payment.body.id as string);
  if (settled.status !== 'COMPLETED') throw new Error(`The fixture payment ended ${String(settled.status)}`);
  fixtures = {
    tokens: {
      expired,
      revoked,
      unverified: await signUp('matrix-unverified@example.com', { verified: false }),
      other,
      owner,
      admin,
    },
    ownerWallet,
    otherWallet,
    ownerPayment: payment.body.id as string,
  };
}, 90_000);

describe('the access matrix', () => {
  it('has a row for every route of the manifest, and none for a route it no longer has', () => {
    expect(routes.map(keyOf).filter((key) => !(key in rows))).toEqual([]);
    expect(Object.keys(rows).filter((key) => !routes.some((route) => keyOf(route) === key))).toEqual([]);
  });

  // Revoking every token of the callers goes last, so that the others run with live tokens.
  const ordered = [...routes].sort(
    (a, b) => Number(keyOf(a) === 'DELETE /v1/tokens') - Number(keyOf(b) === 'DELETE /v1/tokens'),
  );

  it.each(ordered.map(keyOf))('answers %s to each caller with the status of its row', async (key) => {
    const row = rows[key];
    if (!row) throw new Error(`No row for ${key}`);
    const [method] = key.split(' ');
    const statuses: Record<string, number> = {};
    for (const caller of callers) {
      const request = await row.request(fixtures, caller);
      const token = request.token ?? (caller === 'none' ? undefined : fixtures.tokens[caller]);
      const reply = await call(method!, request.path, {
        ...(token === undefined ? {} : { token }),
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      statuses[caller] = reply.status;
    }

    expect(statuses).toEqual(Object.fromEntries(callers.map((caller, i) => [caller, row.expect[i]])));
  });
});
