/**
 * `npm run collections`: API collections generated from the OpenAPI document the gateway serves, written to
 * `collections/`: an Insomnia export (format 4), a Postman collection (v2.1) and a Postman environment. Requests
 * follow the README's walk-through, as a client would make them, each with its assertions (Postman's test scripts,
 * which newman runs in CI against the local stack); every route the document lists and the walk-through does not
 * make comes after, in the folder `More routes`, with the document's example body.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, type OpenApiDocument } from '../../functions/openapi/document';

export const COLLECTIONS_DIR = fileURLToPath(new URL('../../collections/', import.meta.url));
export const FILES = {
  insomnia: 'billing-gateway.insomnia.json',
  postman: 'billing-gateway.postman_collection.json',
  environment: 'billing-gateway.postman_environment.json',
} as const;
export const WALK_THROUGH = 'Walk-through';
export const MORE_ROUTES = 'More routes';
export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

type Auth = 'none' | 'user' | 'admin';

/** One request of a collection. `path` is the document's template (`/v1/accounts/{id}`); values fill it in. */
export interface Step {
  name: string;
  method: string;
  path: string;
  /** A value (or `{{variable}}`) for each `{name}` of the path. */
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  auth: Auth;
  body?: unknown;
  description?: string;
  /** Postman test script lines, run on the answer. */
  tests?: string[];
  /** Postman pre-request script lines. */
  before?: string[];
}

/** The variables of the environment, with the values they start with; the walk-through's scripts set the rest. */
export const VARIABLES: Record<string, string> = {
  baseUrl: 'http://127.0.0.1:3000',
  token: '',
  adminToken: '',
  adminEmail: 'ops@example.com',
  adminPassword: 'a long password',
  email: 'ada@example.com',
  password: 'correct horse battery',
  runId: '',
  startedAt: '',
  confirmationToken: '',
  walletId: '',
  otherWalletId: '',
  yenWalletId: '',
  tokenId: '',
  depositId: '',
  transferId: '',
  holdId: '',
  secondHoldId: '',
  webhookId: '',
  webhookUrl: 'http://127.0.0.1:9/hooks/billing',
  attempts: '0',
};

// Script helpers, as Postman's sandbox runs them (`pm`, `postman`).
const status = (code: number) => [
  `pm.test('answers ${code}', () => pm.response.to.have.status(${code}));`,
  ...(code === 204 ? [] : ['const body = pm.response.json();']),
];
const save = (variable: string, expression: string) => [`pm.environment.set('${variable}', ${expression});`];
const check = (name: string, assertion: string) => [`pm.test(${JSON.stringify(name)}, () => ${assertion});`];
/**
 * Runs this request again (up to 40 times, 250 ms apart) until `done` holds, then asserts `done`: how a client waits
 * for a payment processed in the background.
 */
const pollUntil = (request: string, done: string, what: string) => [
  `const attempts = Number(pm.environment.get('attempts') || 0);`,
  `if (!(${done}) && attempts < 40) {`,
  `  pm.environment.set('attempts', String(attempts + 1));`,
  `  pm.execution.setNextRequest(${JSON.stringify(request)});`,
  `  setTimeout(() => {}, 250);`,
  `} else {`,
  `  pm.environment.set('attempts', '0');`,
  `  pm.test(${JSON.stringify(what)}, () => pm.expect(${done}).to.be.true);`,
  `}`,
];
const FIRST_REQUEST_SETUP = [
  "// One run's own user, wallet references and bank references, so that the collection runs again on the same stack.",
  "if (!pm.environment.get('runId')) pm.environment.set('runId', String(Date.now()));",
  "pm.environment.set('startedAt', new Date(Date.now() - 60000).toISOString());",
  "pm.environment.set('email', 'ada-' + pm.environment.get('runId') + '@example.com');",
];

/** The README's walk-through, request by request, with what each answer must hold. */
export const walkThrough = (): Step[] => [
  {
    name: 'Sign up',
    method: 'POST',
    path: '/v1/users',
    auth: 'none',
    before: FIRST_REQUEST_SETUP,
    body: { email: '{{email}}', password: '{{password}}', name: 'Ada' },
    tests: [
      ...status(201),
      ...check('the user starts unverified', 'pm.expect(body.user.emailVerified).to.equal(false)'),
      ...check('the first token is shown once', 'pm.expect(body.token.token).to.match(/^tok_/)'),
    ],
  },
  {
    name: 'Sign in',
    method: 'POST',
    path: '/v1/tokens',
    auth: 'none',
    body: { email: '{{email}}', password: '{{password}}', name: 'laptop' },
    tests: [
      ...status(201),
      ...check('answers the token secret and its expiry', 'pm.expect(body.expiresAt).to.be.a("string")'),
      ...save('token', 'body.token'),
      ...save('tokenId', 'body.id'),
    ],
  },
  {
    name: 'Read the confirmation email (local stack only)',
    method: 'GET',
    path: '/local/emails',
    query: { to: '{{email}}' },
    auth: 'none',
    description: 'The local stack captures every email; this route does not exist on AWS, where the email is sent.',
    tests: [
      ...status(200),
      "const found = ((body.data[0] || {}).text || '').match(/[A-Za-z0-9_-]{20,}/);",
      "if (found) pm.environment.set('confirmationToken', found[0]);",
      ...pollUntil('Read the confirmation email (local stack only)', 'found !== null', 'holds a confirmation token'),
    ],
  },
  {
    name: 'Confirm the email',
    method: 'POST',
    path: '/v1/users/confirmation',
    auth: 'none',
    body: { token: '{{confirmationToken}}' },
    tests: [...status(200), ...check('the email is verified', 'pm.expect(body.emailVerified).to.equal(true)')],
  },
  {
    name: 'A new confirmation email is refused once verified',
    method: 'POST',
    path: '/v1/me/confirmation',
    auth: 'user',
    tests: [...status(409), ...check('as already_verified', "pm.expect(body.code).to.equal('already_verified')")],
  },
  {
    name: 'Me',
    method: 'GET',
    path: '/v1/me',
    auth: 'user',
    tests: [
      ...status(200),
      ...check('is the signed-up user', "pm.expect(body.email).to.equal(pm.environment.get('email'))"),
    ],
  },
  {
    name: 'Open a USD wallet',
    method: 'POST',
    path: '/v1/accounts',
    auth: 'user',
    body: { currency: 'USD', name: 'Main' },
    tests: [
      ...status(201),
      ...check('opens empty', 'pm.expect(body.balance).to.equal(0)'),
      ...save('walletId', 'body.id'),
    ],
  },
  {
    name: 'List USD wallets',
    method: 'GET',
    path: '/v1/accounts',
    query: { currency: 'USD', sort: '-createdAt', limit: '10' },
    auth: 'user',
    tests: [
      ...status(200),
      ...check(
        'lists the new wallet',
        "pm.expect(body.data.map((a) => a.id)).to.include(pm.environment.get('walletId'))",
      ),
    ],
  },
  {
    name: 'An unsupported currency is a problem',
    method: 'POST',
    path: '/v1/accounts',
    auth: 'user',
    body: { currency: 'XYZ' },
    tests: [
      ...status(400),
      ...check(
        'is problem+json',
        "pm.expect(pm.response.headers.get('content-type')).to.include('application/problem+json')",
      ),
      ...check('with its stable code', "pm.expect(body.code).to.equal('unsupported_currency')"),
    ],
  },
  {
    name: 'List my tokens',
    method: 'GET',
    path: '/v1/tokens',
    auth: 'user',
    tests: [
      ...status(200),
      ...check('never shows a secret', 'pm.expect(body.data.every((t) => t.token === undefined)).to.be.true'),
    ],
  },
  {
    name: 'Operator signs in',
    method: 'POST',
    path: '/v1/tokens',
    auth: 'none',
    body: { email: '{{adminEmail}}', password: '{{adminPassword}}', name: 'collection' },
    tests: [...status(201), ...save('adminToken', 'body.token')],
  },
  {
    name: 'Open a second USD wallet',
    method: 'POST',
    path: '/v1/accounts',
    auth: 'user',
    body: { currency: 'USD', name: 'Savings' },
    tests: [...status(201), ...save('otherWalletId', 'body.id')],
  },
  {
    name: 'Rename and tag the second wallet',
    method: 'PATCH',
    path: '/v1/accounts/{id}',
    params: { id: '{{otherWalletId}}' },
    auth: 'user',
    body: { name: 'Rainy day', metadata: { goal: 'roof' } },
    tests: [
      ...status(200),
      ...check('is renamed', "pm.expect(body.name).to.equal('Rainy day')"),
      ...check('carries the tag', "pm.expect(body.metadata.goal).to.equal('roof')"),
    ],
  },
  {
    name: 'Find wallets by a tag',
    method: 'GET',
    path: '/v1/accounts',
    query: { 'metadata[goal]': 'roof' },
    auth: 'user',
    tests: [
      ...status(200),
      ...check(
        'finds the tagged wallet',
        "pm.expect(body.data.map((a) => a.id)).to.include(pm.environment.get('otherWalletId'))",
      ),
    ],
  },
  {
    name: 'Record a bank deposit (operator)',
    method: 'POST',
    path: '/v1/admin/deposits',
    auth: 'admin',
    body: { accountId: '{{walletId}}', amount: 10000, currency: 'USD', reference: 'BANK-{{runId}}' },
    tests: [
      ...status(202),
      ...check('is accepted, to be processed in the background', "pm.expect(body.status).to.equal('INITIATED')"),
      ...save('depositId', 'body.id'),
    ],
  },
  {
    name: 'Poll the deposit until it settles',
    method: 'GET',
    path: '/v1/payments/{id}',
    params: { id: '{{depositId}}' },
    auth: 'user',
    tests: [
      ...status(200),
      ...pollUntil('Poll the deposit until it settles', "body.status === 'COMPLETED'", 'settles COMPLETED'),
    ],
  },
  {
    name: 'Transfer to the other wallet',
    method: 'POST',
    path: '/v1/payments',
    auth: 'user',
    headers: { 'Idempotency-Key': 'rent-{{runId}}' },
    body: {
      type: 'transfer',
      sourceAccountId: '{{walletId}}',
      destinationAccountId: '{{otherWalletId}}',
      amount: 2500,
      currency: 'USD',
    },
    tests: [
      ...status(202),
      ...check('is INITIATED', "pm.expect(body.status).to.equal('INITIATED')"),
      ...check('carries the 1% fee', 'pm.expect(body.fee).to.equal(25)'),
      ...save('transferId', 'body.id'),
    ],
  },
  {
    name: 'Poll the transfer until it settles',
    method: 'GET',
    path: '/v1/payments/{id}',
    params: { id: '{{transferId}}' },
    auth: 'user',
    tests: [
      ...status(200),
      ...pollUntil('Poll the transfer until it settles', "body.status === 'COMPLETED'", 'settles COMPLETED'),
    ],
  },
  {
    name: 'The transfer reached the other wallet',
    method: 'GET',
    path: '/v1/accounts/{id}',
    params: { id: '{{otherWalletId}}' },
    auth: 'user',
    tests: [...status(200), ...check('holds the 25.00 sent', 'pm.expect(body.balance).to.equal(2500)')],
  },
  {
    name: 'Withdraw to an e-wallet',
    method: 'POST',
    path: '/v1/payments',
    auth: 'user',
    headers: { 'Idempotency-Key': 'withdrawal-{{runId}}' },
    body: {
      type: 'withdrawal',
      sourceAccountId: '{{walletId}}',
      amount: 1000,
      currency: 'USD',
      destination: { method: 'ewallet', reference: 'wallet:me@example.net' },
    },
    tests: [
      ...status(202),
      ...check(
        'goes to the withdrawals account',
        "pm.expect(body.destinationAccountId).to.equal('tech-withdrawals-USD')",
      ),
    ],
  },
  {
    name: 'Refund part of the transfer (its payee)',
    method: 'POST',
    path: '/v1/payments/{id}/refunds',
    params: { id: '{{transferId}}' },
    auth: 'user',
    headers: { 'Idempotency-Key': 'refund-{{runId}}' },
    body: { amount: 500, reason: 'one item out of stock' },
    tests: [
      ...status(202),
      ...check('is a refund of the transfer', "pm.expect(body.refundOf).to.equal(pm.environment.get('transferId'))"),
      ...check(
        'back from its destination to its source',
        "pm.expect(body.sourceAccountId).to.equal(pm.environment.get('otherWalletId'))",
      ),
      ...check('without a fee', 'pm.expect(body.fee).to.equal(0)'),
    ],
  },
  {
    name: 'Authorize a transfer (capture: manual)',
    method: 'POST',
    path: '/v1/payments',
    auth: 'user',
    headers: { 'Idempotency-Key': 'hold-{{runId}}' },
    body: {
      type: 'transfer',
      sourceAccountId: '{{walletId}}',
      destinationAccountId: '{{otherWalletId}}',
      amount: 3000,
      currency: 'USD',
      capture: 'manual',
      holdSeconds: 3600,
    },
    tests: [
      ...status(202),
      ...check('is to be captured by hand', "pm.expect(body.capture).to.equal('manual')"),
      ...save('holdId', 'body.id'),
    ],
  },
  {
    name: 'Poll the authorization until it holds',
    method: 'GET',
    path: '/v1/payments/{id}',
    params: { id: '{{holdId}}' },
    auth: 'user',
    tests: [
      ...status(200),
      ...pollUntil('Poll the authorization until it holds', "body.status === 'AUTHORIZED'", 'is AUTHORIZED'),
    ],
  },
  {
    name: 'Capture part of the authorization',
    method: 'POST',
    path: '/v1/payments/{id}/capture',
    params: { id: '{{holdId}}' },
    auth: 'user',
    headers: { 'Idempotency-Key': 'capture-{{runId}}' },
    body: { amount: 2000 },
    tests: [
      ...status(200),
      ...check('completes it', "pm.expect(body.status).to.equal('COMPLETED')"),
      ...check('with the fee on what was captured', 'pm.expect([body.capturedAmount, body.fee]).to.eql([2000, 20])'),
    ],
  },
  {
    name: 'Authorize another transfer',
    method: 'POST',
    path: '/v1/payments',
    auth: 'user',
    headers: { 'Idempotency-Key': 'second-hold-{{runId}}' },
    body: {
      type: 'transfer',
      sourceAccountId: '{{walletId}}',
      destinationAccountId: '{{otherWalletId}}',
      amount: 1000,
      currency: 'USD',
      capture: 'manual',
    },
    tests: [...status(202), ...save('secondHoldId', 'body.id')],
  },
  {
    name: 'Poll it until it holds',
    method: 'GET',
    path: '/v1/payments/{id}',
    params: { id: '{{secondHoldId}}' },
    auth: 'user',
    tests: [...status(200), ...pollUntil('Poll it until it holds', "body.status === 'AUTHORIZED'", 'is AUTHORIZED')],
  },
  {
    name: 'Void the authorization',
    method: 'POST',
    path: '/v1/payments/{id}/void',
    params: { id: '{{secondHoldId}}' },
    auth: 'user',
    tests: [
      ...status(200),
      ...check(
        'gives everything held back',
        "pm.expect([body.status, body.voidReason]).to.eql(['VOIDED', 'requested'])",
      ),
    ],
  },
  {
    name: 'Set the USD/JPY rate (operator)',
    method: 'PUT',
    path: '/v1/admin/rates/{base}/{quote}',
    params: { base: 'USD', quote: 'JPY' },
    auth: 'admin',
    body: { rate: '151.37' },
    tests: [...status(200), ...check('is echoed exactly', "pm.expect(body.rate).to.equal('151.37')")],
  },
  {
    name: 'Rates in force',
    method: 'GET',
    path: '/v1/rates',
    auth: 'none',
    tests: [
      ...status(200),
      ...check('include USD/JPY', "pm.expect(body.data.some((r) => r.base === 'USD' && r.quote === 'JPY')).to.be.true"),
    ],
  },
  {
    name: 'History of USD/JPY (operator)',
    method: 'GET',
    path: '/v1/admin/rates/{base}/{quote}/history',
    params: { base: 'USD', quote: 'JPY' },
    auth: 'admin',
    tests: [
      ...status(200),
      ...check('keeps the rate set', "pm.expect(body.data.map((r) => r.rate)).to.include('151.37')"),
    ],
  },
  {
    name: 'Open a JPY wallet',
    method: 'POST',
    path: '/v1/accounts',
    auth: 'user',
    body: { currency: 'JPY' },
    tests: [...status(201), ...save('yenWalletId', 'body.id')],
  },
  {
    name: 'Exchange 10.00 USD into yen',
    method: 'POST',
    path: '/v1/payments',
    auth: 'user',
    headers: { 'Idempotency-Key': 'exchange-{{runId}}' },
    body: { type: 'exchange', sourceAccountId: '{{walletId}}', destinationAccountId: '{{yenWalletId}}', amount: 1000 },
    tests: [
      ...status(202),
      ...check(
        'is priced at the rate in force: floor(1000 x 151.37 / 100)',
        'pm.expect(body.destinationAmount).to.equal(1513)',
      ),
    ],
  },
  {
    name: 'Freeze the second wallet (operator)',
    method: 'POST',
    path: '/v1/admin/accounts/{id}/freeze',
    params: { id: '{{otherWalletId}}' },
    auth: 'admin',
    tests: [...status(200), ...check('is frozen', "pm.expect(body.status).to.equal('frozen')")],
  },
  {
    name: 'A frozen wallet receives nothing',
    method: 'POST',
    path: '/v1/payments',
    auth: 'user',
    body: {
      type: 'transfer',
      sourceAccountId: '{{walletId}}',
      destinationAccountId: '{{otherWalletId}}',
      amount: 100,
      currency: 'USD',
    },
    tests: [...status(422), ...check('as account_frozen', "pm.expect(body.code).to.equal('account_frozen')")],
  },
  {
    name: 'Unfreeze it (operator)',
    method: 'POST',
    path: '/v1/admin/accounts/{id}/unfreeze',
    params: { id: '{{otherWalletId}}' },
    auth: 'admin',
    tests: [...status(200), ...check('is active again', "pm.expect(body.status).to.equal('active')")],
  },
  {
    name: 'Open a spare EUR wallet',
    method: 'POST',
    path: '/v1/accounts',
    auth: 'user',
    body: { currency: 'EUR' },
    tests: [...status(201), ...save('spareWalletId', 'body.id')],
  },
  {
    name: 'Close the spare wallet',
    method: 'POST',
    path: '/v1/accounts/{id}/close',
    params: { id: '{{spareWalletId}}' },
    auth: 'user',
    tests: [...status(200), ...check('is closed', "pm.expect(body.status).to.equal('closed')")],
  },
  {
    name: "Operator's summary",
    method: 'GET',
    path: '/v1/admin/reports/summary',
    query: { from: '{{startedAt}}' },
    auth: 'admin',
    tests: [
      ...status(200),
      ...check(
        'counts the deposit in USD',
        "pm.expect(body.data.find((row) => row.currency === 'USD').deposits.count).to.be.at.least(1)",
      ),
    ],
  },
  {
    name: 'Technical accounts (operator)',
    method: 'GET',
    path: '/v1/admin/accounts',
    query: { kind: 'technical', currency: 'USD' },
    auth: 'admin',
    tests: [
      ...status(200),
      ...check('include the fee account', "pm.expect(body.data.map((a) => a.id)).to.include('tech-fees-USD')"),
    ],
  },
  {
    name: 'My payments, newest first',
    method: 'GET',
    path: '/v1/payments',
    query: { sort: '-createdAt' },
    auth: 'user',
    tests: [
      ...status(200),
      ...check(
        'include the transfer',
        "pm.expect(body.data.map((p) => p.id)).to.include(pm.environment.get('transferId'))",
      ),
    ],
  },
  {
    name: 'Operations of the wallet',
    method: 'GET',
    path: '/v1/accounts/{id}/operations',
    params: { id: '{{walletId}}' },
    auth: 'user',
    tests: [
      ...status(200),
      'const ops = body.data;',
      ...check(
        'balanceAfter chains: each is the previous one plus its amount',
        'pm.expect(ops.slice(1).every((op, i) => op.balanceAfter === ops[i].balanceAfter + op.amount)).to.be.true',
      ),
    ],
  },
  {
    name: 'Balance of the wallet at a time',
    method: 'GET',
    path: '/v1/accounts/{id}/balance',
    params: { id: '{{walletId}}' },
    query: { at: '{{startedAt}}' },
    auth: 'user',
    tests: [...status(200), ...check('was zero before the run', 'pm.expect(body.balance).to.equal(0)')],
  },
  {
    name: 'Events of my payments',
    method: 'GET',
    path: '/v1/events',
    query: { paymentId: '{{transferId}}' },
    auth: 'user',
    tests: [
      ...status(200),
      ...check(
        'hold the transfer completing',
        "pm.expect(body.data.map((e) => e.type)).to.include('payment.completed')",
      ),
    ],
  },
  {
    name: 'Register a webhook',
    method: 'POST',
    path: '/v1/webhooks',
    auth: 'user',
    body: { url: '{{webhookUrl}}', events: ['payment.completed', 'payment.failed'], description: 'Order fulfilment' },
    tests: [
      ...status(201),
      ...check('answers its signing secret once', 'pm.expect(body.secret).to.match(/^whsec_/)'),
      ...save('webhookId', 'body.id'),
    ],
  },
  {
    name: 'List my webhooks',
    method: 'GET',
    path: '/v1/webhooks',
    auth: 'user',
    tests: [
      ...status(200),
      ...check(
        'list it without its secret',
        "pm.expect(body.data.find((w) => w.id === pm.environment.get('webhookId')).secret).to.be.undefined",
      ),
    ],
  },
  {
    name: 'Deliveries of the webhook',
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    params: { id: '{{webhookId}}' },
    auth: 'user',
    tests: [...status(200), ...check('is a list', 'pm.expect(body.data).to.be.an("array")')],
  },
  {
    name: 'Delete the webhook',
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    params: { id: '{{webhookId}}' },
    auth: 'user',
    tests: status(204),
  },
  {
    name: 'Fees',
    method: 'GET',
    path: '/v1/fees',
    auth: 'none',
    tests: [...status(200), ...check('charge 100 bps on a transfer', 'pm.expect(body.transfer.bps).to.equal(100)')],
  },
  {
    name: 'Health',
    method: 'GET',
    path: '/v1/health',
    auth: 'none',
    tests: [...status(200), ...check('is ok', "pm.expect(body.status).to.equal('ok')")],
  },
  {
    name: 'OpenAPI document',
    method: 'GET',
    path: '/openapi.json',
    auth: 'none',
    tests: [...status(200), ...check('is OpenAPI 3.1', "pm.expect(body.openapi).to.equal('3.1.0')")],
  },
  {
    name: 'Revoke the sign-in token',
    method: 'DELETE',
    path: '/v1/tokens/{id}',
    params: { id: '{{tokenId}}' },
    auth: 'user',
    tests: status(204),
  },
  {
    name: 'A revoked token is refused',
    method: 'GET',
    path: '/v1/me',
    auth: 'user',
    tests: [...status(401), ...check('as unauthorized', "pm.expect(body.code).to.equal('unauthorized')")],
  },
  {
    name: 'Sign in again',
    method: 'POST',
    path: '/v1/tokens',
    auth: 'none',
    body: { email: '{{email}}', password: '{{password}}', name: 'laptop' },
    tests: [...status(201), ...save('token', 'body.token')],
  },
  {
    name: 'Revoke every token',
    method: 'DELETE',
    path: '/v1/tokens',
    auth: 'user',
    tests: status(204),
  },
];

const placeholder = (name: string) => `{{${name}}}`;

/** A step for each documented operation the walk-through does not make, with the document's first example body. */
export const moreRoutes = (document: OpenApiDocument, made: Step[]): Step[] =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => !made.some((step) => step.path === path && step.method === method.toUpperCase()))
      .map(([method, operation]): Step => {
        const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
        const example = Object.values(operation.requestBody?.content['application/json']?.examples ?? {})[0];
        const admin = operation.tags.includes('Admin');
        return {
          name: operation.summary,
          method: method.toUpperCase(),
          path,
          params: Object.fromEntries(names.map((name) => [name, placeholder(name)])),
          auth: operation.security.length === 0 ? 'none' : admin ? 'admin' : 'user',
          description: operation.description,
          ...(operation.requestBody ? { body: example?.value ?? {} } : {}),
        };
      }),
  );

const filledPath = (step: Step) =>
  step.path.replace(/\{([^}]+)\}/g, (_, name: string) => step.params?.[name] ?? placeholder(name));

const tokenVariable = (auth: Auth) => (auth === 'admin' ? 'adminToken' : 'token');

const script = (lines: string[]) => lines.flatMap((line) => line.split('\n'));

export const postmanCollection = (document: OpenApiDocument, folders: [string, Step[]][]) => ({
  info: {
    name: document.info.title,
    description:
      'Generated from the OpenAPI document by `npm run collections`. Run the Walk-through folder in order against ' +
      'the local stack (`npm start` with ADMIN_EMAIL and ADMIN_PASSWORD): it signs up, confirms the email, opens ' +
      'accounts, deposits as the operator, transfers and polls until COMPLETED, asserting each answer.',
    schema: POSTMAN_SCHEMA,
  },
  item: folders.map(([name, steps]) => ({
    name,
    item: steps.map((step) => {
      const path = filledPath(step);
      const query = Object.entries(step.query ?? {}).map(([key, value]) => ({ key, value }));
      const search = query.length === 0 ? '' : `?${query.map(({ key, value }) => `${key}=${value}`).join('&')}`;
      return {
        name: step.name,
        ...(step.tests || step.before
          ? {
              event: [
                ...(step.before
                  ? [{ listen: 'prerequest', script: { type: 'text/javascript', exec: script(step.before) } }]
                  : []),
                ...(step.tests
                  ? [{ listen: 'test', script: { type: 'text/javascript', exec: script(step.tests) } }]
                  : []),
              ],
            }
          : {}),
        request: {
          method: step.method,
          ...(step.description ? { description: step.description } : {}),
          auth:
            step.auth === 'none'
              ? { type: 'noauth' }
              : {
                  type: 'bearer',
                  bearer: [{ key: 'token', value: placeholder(tokenVariable(step.auth)), type: 'string' }],
                },
          header: [
            ...(step.body === undefined ? [] : [{ key: 'Content-Type', value: 'application/json' }]),
            ...Object.entries(step.headers ?? {}).map(([key, value]) => ({ key, value })),
          ],
          ...(step.body === undefined
            ? {}
            : {
                body: { mode: 'raw', raw: JSON.stringify(step.body, null, 2), options: { raw: { language: 'json' } } },
              }),
          url: {
            raw: `{{baseUrl}}${path}${search}`,
            host: ['{{baseUrl}}'],
            path: path.split('/').filter((segment) => segment !== ''),
            ...(query.length === 0 ? {} : { query }),
          },
        },
      };
    }),
  })),
});

export const postmanEnvironment = () => ({
  id: 'billing-gateway-local',
  name: 'Billing gateway (local stack)',
  values: Object.entries(VARIABLES).map(([key, value]) => ({
    key,
    value,
    type:
      key === 'password' || key === 'adminPassword' || key.endsWith('Token') || key === 'token' ? 'secret' : 'default',
    enabled: true,
  })),
  _postman_variable_scope: 'environment',
});

/** `{{walletId}}` → Insomnia's `{{ _.walletId }}`. */
const insomniaTemplate = (text: string) => text.replace(/\{\{(\w+)\}\}/g, '{{ _.$1 }}');

export const insomniaExport = (document: OpenApiDocument, folders: [string, Step[]][]) => {
  const workspace = 'wrk_billing_gateway';
  return {
    _type: 'export',
    __export_format: 4,
    __export_source: 'billing-gateway:collections',
    resources: [
      {
        _id: workspace,
        _type: 'workspace',
        parentId: null,
        name: document.info.title,
        description: 'Generated from the OpenAPI document by `npm run collections`.',
        scope: 'collection',
      },
      {
        _id: 'env_billing_gateway_base',
        _type: 'environment',
        parentId: workspace,
        name: 'Base Environment',
        data: VARIABLES,
      },
      ...folders.flatMap(([name, steps], folderIndex) => {
        const folder = `fld_${folderIndex + 1}`;
        return [
          { _id: folder, _type: 'request_group', parentId: workspace, name, metaSortKey: folderIndex + 1 },
          ...steps.map((step, index) => {
            const query = Object.entries(step.query ?? {}).map(([key, value]) => ({
              name: key,
              value: insomniaTemplate(value),
            }));
            return {
              _id: `req_${folderIndex + 1}_${String(index + 1).padStart(3, '0')}`,
              _type: 'request',
              parentId: folder,
              name: step.name,
              description: step.description ?? '',
              method: step.method,
              url: insomniaTemplate(`{{baseUrl}}${filledPath(step)}`),
              parameters: query,
              headers: [
                ...(step.body === undefined ? [] : [{ name: 'Content-Type', value: 'application/json' }]),
                ...Object.entries(step.headers ?? {}).map(([key, value]) => ({
                  name: key,
                  value: insomniaTemplate(value),
                })),
              ],
              body:
                step.body === undefined
                  ? {}
                  : { mimeType: 'application/json', text: insomniaTemplate(JSON.stringify(step.body, null, 2)) },
              authentication:
                step.auth === 'none'
                  ? {}
                  : { type: 'bearer', token: insomniaTemplate(placeholder(tokenVariable(step.auth))) },
              metaSortKey: index + 1,
            };
          }),
        ];
      }),
    ],
  };
};

/** The three files, as `npm run collections` writes them: name → content. */
export const buildCollections = (document: OpenApiDocument = buildOpenApiDocument()): Record<string, string> => {
  const steps = walkThrough();
  const folders: [string, Step[]][] = [
    [WALK_THROUGH, steps],
    [MORE_ROUTES, moreRoutes(document, steps)],
  ];
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    [FILES.insomnia]: json(insomniaExport(document, folders)),
    [FILES.postman]: json(postmanCollection(document, folders)),
    [FILES.environment]: json(postmanEnvironment()),
  };
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(COLLECTIONS_DIR, { recursive: true });
  for (const [name, content] of Object.entries(buildCollections())) writeFileSync(join(COLLECTIONS_DIR, name), content);
  console.log(`Collections written to ${COLLECTIONS_DIR}`);
}
