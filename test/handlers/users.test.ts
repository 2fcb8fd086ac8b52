import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as createUser } from '../../functions/users-create/handler';
import { handler as createToken } from '../../functions/tokens-create/handler';
import { handler as getMe } from '../../functions/me-get/handler';
import { handler as confirmEmail } from '../../functions/users-confirm/handler';
import { handler as resendConfirmation } from '../../functions/confirmation-send/handler';
import { hashToken } from '../../shared/security/tokens';
import { hashPassword } from '../../shared/security/passwords';
import { httpEvent, lambdaContext, parseResponse, userPrincipal } from '../support/http-event';

const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

const post = (path: string, body: unknown) => httpEvent({ method: 'POST', path, body });

describe('POST /v1/users', () => {
  it('signs a user up and answers the user with a first token', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    const response = parseResponse(
      await createUser(
        post('/v1/users', { email: 'Ada@Example.com', password: 'correct horse battery', name: 'Ada' }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      user: {
        id: expect.stringMatching(/^usr_/),
        email: 'ada@example.com',
        name: 'Ada',
        role: 'user',
        emailVerified: false,
        createdAt: expect.any(String),
      },
      token: {
        id: expect.stringMatching(/^tok_/),
        token: expect.stringMatching(/^tok_[0-9a-z]{26}\.[\w-]{43}$/),
        name: null,
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    });
    const { createdAt, expiresAt } = (response.body as { token: { createdAt: string; expiresAt: string } }).token;
    expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(90 * 24 * 60 * 60 * 1000);
    const stored = dynamo
      .commandCalls(TransactWriteCommand)[0]!
      .args[0].input.TransactItems!.map((item) => item.Put!.Item!);
    expect(JSON.stringify(stored)).not.toContain('correct horse battery');
    const token = (response.body as { token: { token: string } }).token.token;
    const tokenWrite = dynamo.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems!;
    expect(JSON.stringify(tokenWrite)).not.toContain(token.split('.')[1]);
    // The confirmation email, sent through SES, holds a token of which only the hash is stored.
    const email = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    const confirmation = /[A-Za-z0-9_-]{20,}/.exec(email.Content?.Simple?.Body?.Text?.Data ?? '')?.[0] ?? '';
    expect(email).toMatchObject({
      FromEmailAddress: 'no-reply@example.com',
      Destination: { ToAddresses: ['ada@example.com'] },
    });
    expect(confirmation).toMatch(/^usr_[0-9a-z]{26}_[\w-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(confirmation.slice(31));
  }, 20_000);

  it('answers 409 email_taken when the email is already claimed', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    const response = parseResponse(
      await createUser(
        post('/v1/users', { email: 'ada@example.com', password: 'correct horse battery' }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 409,
      code: 'email_taken',
      type: expect.stringContaining('email_taken'),
    });
  }, 20_000);

  it.each([
    ['a malformed JSON body', { rawBody: '{"email": ' }, 'invalid_json', []],
    ['a body that is not an object', { body: ['ada@example.com'] }, 'validation_error', ['']],
    [
      'a password under ten characters',
      { body: { email: 'ada@example.com', password: 'short' } },
      'validation_error',
      ['password'],
    ],
    [
      'a bad email',
      { body: { email: 'not-an-email', password: 'correct horse battery' } },
      'validation_error',
      ['email'],
    ],
    [
      'a role set by the client',
      { body: { email: 'ada@example.com', password: 'correct horse battery', role: 'admin' } },
      'validation_error',
      ['role'],
    ],
    [
      'a name of the wrong type',
      { body: { email: 'ada@example.com', password: 'correct horse battery', name: 42 } },
      'validation_error',
      ['name'],
    ],
    ['a missing email', { body: { password: 'correct horse battery' } }, 'validation_error', ['email']],
  ])('refuses %s with 400 and writes nothing', async (_case, options, code, paths) => {
    const response = parseResponse(
      await createUser(httpEvent({ method: 'POST', path: '/v1/users', ...options }), lambdaContext()),
    );

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, code });
    expect((response.body as { errors?: { path: string }[] }).errors?.map((e) => e.path) ?? []).toEqual(paths);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers a bare 500 that says nothing internal when DynamoDB fails', async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error('connect ECONNREFUSED 10.0.0.1:443 secret-table-name'));

    const response = parseResponse(
      await createUser(
        post('/v1/users', { email: 'ada@example.com', password: 'correct horse battery' }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ code: 'internal_error' });
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|secret-table-name|at /);
  }, 20_000);
});

describe('POST /v1/tokens', () => {
  it('answers 401 invalid_credentials for a wrong password, exactly as for an unknown email', async () => {
    const passwordHash = await hashPassword('correct horse battery', { N: 2 ** 10, r: 8, p: 1 });
    dynamo.on(GetCommand).resolves({});
    dynamo
      .on(GetCommand, { Key: { pk: 'email#ada@example.com' } })
      .resolves({ Item: { pk: 'email#ada@example.com', userId: 'usr_1' } });
    dynamo.on(GetCommand, { Key: { pk: 'user#usr_1' } }).resolves({
      Item: {
        pk: 'user#usr_1',
        id: 'usr_1',
        email: 'ada@example.com',
        role: 'user',
        createdAt: '2026-01-01T00:00:00.000Z',
        passwordHash,
      },
    });

    const wrong = parseResponse(
      await createToken(post('/v1/tokens', { email: 'ada@example.com', password: 'wrong password!' }), lambdaContext()),
    );
    const unknown = parseResponse(
      await createToken(post('/v1/tokens', { email: 'bob@example.com', password: 'wrong password!' }), lambdaContext()),
    );

    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials' });
    expect(unknown.body).toEqual(wrong.body);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  }, 20_000);

  it('answers 429 too_many_requests with Retry-After after 5 failures in the window, checking no password', async () => {
    const windowEndsAt = Date.now() + 90_000;
    dynamo.on(GetCommand).resolves({});
    dynamo
      .on(GetCommand, { Key: { pk: 'signin#ada@example.com' } })
      .resolves({ Item: { pk: 'signin#ada@example.com', failures: 5n, windowEndsAt: BigInt(windowEndsAt) } });

    const response = parseResponse(
      await createToken(
        post('/v1/tokens', { email: 'ada@example.com', password: 'correct horse battery' }),
        lambdaContext(),
      ),
    );

    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(89);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(90);
    expect(response.body).toMatchObject({ status: 429, code: 'too_many_requests' });
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
  });
});

describe('GET /v1/me', () => {
  it('answers 401 unauthorized as problem+json when the authorizer resolved no user', async () => {
    const response = parseResponse(await getMe(httpEvent({ path: '/v1/me' }), lambdaContext()));

    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      code: 'unauthorized',
      status: 401,
      title: expect.any(String),
      detail: expect.any(String),
    });
  });

  it('answers the calling user without the password hash', async () => {
    const principal = userPrincipal();
    dynamo.on(GetCommand).resolves({
      Item: {
        pk: `user#${principal.userId}`,
        id: principal.userId,
        email: 'ada@example.com',
        role: 'user',
        emailVerified: true,
        createdAt: '2026-01-01T00:00:00.000Z',
        passwordHash: 'scrypt$x',
      },
    });

    const response = parseResponse(await getMe(httpEvent({ path: '/v1/me', principal }), lambdaContext()));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: principal.userId,
      email: 'ada@example.com',
      name: null,
      role: 'user',
      emailVerified: true,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('email confirmation', () => {
  const confirm = async (token: unknown) =>
    parseResponse(await confirmEmail(post('/v1/users/confirmation', { token }), lambdaContext()));
  const resend = async () =>
    parseResponse(
      await resendConfirmation(
        httpEvent({ method: 'POST', path: '/v1/me/confirmation', principal: userPrincipal({ emailVerified: false }) }),
        lambdaContext(),
      ),
    );
  const storedUser = (extra: Record<string, unknown>) => ({
    pk: `user#${userPrincipal().userId}`,
    id: userPrincipal().userId,
    email: 'ada@example.com',
    role: 'user',
    createdAt: '2026-01-01T00:00:00.000Z',
    passwordHash: 'scrypt$x',
    ...extra,
  });

  it('answers the verified user for the token of the confirmation in force, conditionally on its hash', async () => {
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(GetCommand).resolves({ Item: storedUser({ emailVerified: true }) });
    const token = `${userPrincipal().userId}_${'A'.repeat(43)}`;

    const response = await confirm(token);

    expect(response).toMatchObject({ status: 200, body: { id: userPrincipal().userId, emailVerified: true } });
    const update = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ExpressionAttributeValues?.[':hash']).toBe(hashToken(token));
    expect(update.ConditionExpression).toContain('confirmation.expiresAt > :now');
  });

  it.each([
    ['an unknown, used or expired token', `usr_01jd0000000000000000000000_${'B'.repeat(43)}`],
    ['a string that cannot be a token', 'not-a-token'],
  ])('answers 400 invalid_confirmation for %s', async (_case, token) => {
    dynamo
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    expect(await confirm(token)).toMatchObject({ status: 400, body: { code: 'invalid_confirmation' } });
  });

  it('answers 400 validation_error for a token that is no string', async () => {
    expect(await confirm(42)).toMatchObject({ status: 400, body: { code: 'validation_error' } });
  });

  it('sends a new confirmation email with 202 a minute after the last one, and 429 with Retry-After before', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const sentAt = (ago: number) => new Date(Date.now() - ago).toISOString();
    const confirmation = (ago: number) => ({ hash: 'h', expiresAt: '2100-01-01T00:00:00.000Z', sentAt: sentAt(ago) });

    dynamo.on(GetCommand).resolves({ Item: storedUser({ emailVerified: false, confirmation: confirmation(20_000) }) });
    const early = await resend();
    dynamo.on(GetCommand).resolves({ Item: storedUser({ emailVerified: false, confirmation: confirmation(61_000) }) });
    const later = await resend();

    expect(early.status).toBe(429);
    expect(Number(early.headers['retry-after'])).toBeGreaterThanOrEqual(39);
    expect(Number(early.headers['retry-after'])).toBeLessThanOrEqual(40);
    expect(later).toMatchObject({ status: 202, body: undefined });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('answers 409 already_verified to a verified user, sending nothing', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedUser({ emailVerified: true }) });

    expect(await resend()).toMatchObject({ status: 409, body: { code: 'already_verified' } });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
