import { jest } from '@jest/globals';
import { DynamoAccountStore } from '../../shared/adapters/account-store';
import { DynamoLedgerReader } from '../../shared/adapters/ledger-store';
import { DynamoSignInAttempts, DynamoTokenStore, DynamoUserStore } from '../../shared/adapters/user-store';
import { openWallet, listAllAccounts, listOwnAccounts } from '../../shared/accounts/service';
import { newTechnicalAccount } from '../../shared/accounts/model';
import { systemClock } from '../../shared/clock';
import { EmailTakenError } from '../../shared/errors';
import {
  authenticate,
  createToken,
  ensureAdmin,
  listTokens,
  MAX_LIVE_TOKENS,
  registerUser,
  revokeAllTokens,
  revokeToken,
  type UserDeps,
} from '../../shared/users/service';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { startMailCatcher } from '../../infra/local/mail-catcher';
import { SesMailer } from '../../shared/adapters/ses-mailer';
import { type ConfirmationDeps, confirmEmail, resendConfirmation } from '../../shared/users/confirmation';
import type { Email } from '../../shared/users/ports';
import { TEST_SCRYPT_PARAMS } from '../../shared/security/passwords';
import { createTestTables, type TestTables } from '../support/dynamo';

// The test stacks' cheap scrypt cost; OWASP's, every deployment's, is a unit test's.
const CHEAP_SCRYPT = TEST_SCRYPT_PARAMS;

// The tests' clocks run on a day still to come: DynamoDB Local's TTL deletes, in real time, an item (a token, a
// sign-in window) whose `ttl` has passed, as DynamoDB does, so a clock set in the past would see its items vanish.
const DAY_MS = 24 * 60 * 60 * 1000;
const TEST_DAY = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
/** `hh:mm:ss` UTC on the tests' day, or `days` after it. */
const at = (time: string, days = 0) => new Date(TEST_DAY + days * DAY_MS + Date.parse(`1970-01-01T${time}.000Z`));

let db: TestTables;
let users: UserDeps & Pick<ConfirmationDeps, 'mailer'>;
/** Every email the users' deps sent, oldest first. */
const sent: Email[] = [];

beforeAll(async () => {
  db = await createTestTables();
  users = {
    users: new DynamoUserStore(db.client, db.names.users),
    tokens: new DynamoTokenStore(db.client, db.names.tokens),
    attempts: new DynamoSignInAttempts(db.client, db.names.users),
    mailer: {
      send: (email) => {
        sent.push(email);
        return Promise.resolve();
      },
    },
    clock: systemClock,
    passwordParams: CHEAP_SCRYPT,
  };
});

afterAll(() => {
  db.destroy();
});

const accountDeps = () => ({
  accounts: new DynamoAccountStore(db.client, db.names),
  balances: new DynamoLedgerReader(db.client, db.names),
  clock: systemClock,
});

const credentials = (email: string) => ({ email, password: 'correct horse battery' });

describe('users and tokens on DynamoDB Local', () => {
  it('lets exactly one of many concurrent sign-ups claim an email', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () => registerUser(users, credentials('race@example.com'))),
    );

    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const failure of attempts.filter((a) => a.status === 'rejected')) {
      expect(failure.reason).toBeInstanceOf(EmailTakenError);
    }
  });

  it('authenticates a token at once, and refuses it at once after revocation', async () => {
    const { user, token } = await registerUser(users, credentials('revoke@example.com'));
    const second = await createToken(users, { ...credentials('revoke@example.com'), name: 'ci' });

    await expect(authenticate(users, token.token)).resolves.toEqual({
      userId: user.id,
      role: 'user',
      tokenId: token.id,
      emailVerified: false,
    });
    await revokeToken(users, user.id, token.id);

    await expect(authenticate(users, token.token)).resolves.toBeUndefined();
    await expect(authenticate(users, second.token)).resolves.toMatchObject({ userId: user.id });
  });

  it('never lets a user revoke or list another user’s token', async () => {
    const ada = await registerUser(users, credentials('ada@example.com'));
    const bob = await registerUser(users, credentials('bob@example.com'));

    await expect(revokeToken(users, bob.user.id, ada.token.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(authenticate(users, ada.token.token)).resolves.toMatchObject({ userId: ada.user.id });
    const bobs = await listTokens(users, bob.user.id, { limit: 100 });
    expect(bobs.data.map((t) => t.id)).toEqual([bob.token.id]);
  });

  it('pages through a user’s tokens without the secrets, oldest first', async () => {
    const { user, token } = await registerUser(users, credentials('many@example.com'));
    const more = [];
    for (let i = 0; i < 4; i++)
      more.push(await createToken(users, { ...credentials('many@example.com'), name: `t${i}` }));

    const first = await listTokens(users, user.id, { limit: 3 });
    const second = await listTokens(users, user.id, { limit: 3, cursor: first.nextCursor! });

    expect([...first.data, ...second.data].map((t) => t.id)).toEqual([token.id, ...more.map((t) => t.id)]);
    expect(second.nextCursor).toBeNull();
    expect(JSON.stringify([first, second])).not.toContain(token.token.split('.')[1]);
  });

  it('promotes an existing user to admin only with their password', async () => {
    const { user } = await registerUser(users, credentials('ops@example.com'));

    await expect(ensureAdmin(users, { email: 'ops@example.com', password: 'not the password' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    await expect(ensureAdmin(users, credentials('ops@example.com'))).resolves.toMatchObject({
      id: user.id,
      role: 'admin',
    });
  });
});

describe('email confirmation on DynamoDB Local', () => {
  const tokenIn = (email: Email | undefined) => email?.text.match(/[A-Za-z0-9_-]{20,}/g) ?? [];
  const lastSentTo = (address: string) => sent.filter((email) => email.to === address).at(-1);

  it('verifies an email once with the latest token; a used, replaced or expired one is refused', async () => {
    let now = at('10:00:00');
    const deps = { ...users, clock: () => now };
    const { user } = await registerUser(deps, credentials('confirm@example.com'));
    const [first] = tokenIn(lastSentTo('confirm@example.com'));

    expect(user.emailVerified).toBe(false);
    expect(tokenIn(lastSentTo('confirm@example.com'))).toHaveLength(1);
    now = at('10:00:45');
    await expect(resendConfirmation(deps, user.id)).rejects.toMatchObject({
      code: 'too_many_requests',
      headers: { 'retry-after': '15' },
    });
    now = at('10:01:00');
    await resendConfirmation(deps, user.id);
    const [second] = tokenIn(lastSentTo('confirm@example.com'));

    await expect(confirmEmail(deps, first!)).rejects.toMatchObject({ code: 'invalid_confirmation' });
    await expect(confirmEmail(deps, second!)).resolves.toMatchObject({ id: user.id, emailVerified: true });
    await expect(confirmEmail(deps, second!)).rejects.toMatchObject({ code: 'invalid_confirmation' });
    await expect(resendConfirmation(deps, user.id)).rejects.toMatchObject({ code: 'already_verified' });
    const stored = await users.users.findById(user.id);
    expect(JSON.stringify(stored)).not.toContain(second!.slice(31));
  });

  it('refuses a confirmation token after 24 hours, and any string that is not one', async () => {
    let now = at('10:00:00');
    const deps = { ...users, clock: () => now };
    await registerUser(deps, credentials('late@example.com'));
    const [token] = tokenIn(lastSentTo('late@example.com'));
    now = at('10:00:00', 1);

    await expect(confirmEmail(deps, token!)).rejects.toMatchObject({ code: 'invalid_confirmation' });
    await expect(confirmEmail(deps, 'x'.repeat(40))).rejects.toMatchObject({ code: 'invalid_confirmation' });
  });

  it('makes admins verified from the start, sending them nothing, and verifies a user promoted to admin', async () => {
    const before = sent.length;
    const admin = await ensureAdmin(users, credentials('first-admin@example.com'));
    await registerUser(users, credentials('promoted@example.com'));
    const promoted = await ensureAdmin(users, credentials('promoted@example.com'));

    expect(admin).toMatchObject({ role: 'admin', emailVerified: true });
    expect(promoted).toMatchObject({ role: 'admin', emailVerified: true });
    expect(await users.users.findById(promoted.id)).toMatchObject({ emailVerified: true });
    expect(sent.slice(before).map((email) => email.to)).toEqual(['promoted@example.com']);
  });
});

describe('the SES adapter against the local mail catcher', () => {
  it('sends through the SES v2 API an email the catcher lists for its address, newest first', async () => {
    const catcher = await startMailCatcher();
    const client = new SESv2Client({
      endpoint: catcher.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const mailer = new SesMailer(client, 'no-reply@gateway.local');
      await mailer.send({ to: 'Ada@Example.com', subject: 'First', text: 'one' });
      await mailer.send({ to: 'ada@example.com', subject: 'Second', text: 'two' });
      await mailer.send({ to: 'bob@example.com', subject: 'Other', text: 'three' });

      const answer = await catcher.answer('GET', '/local/emails', 'to=ADA%40example.com');
      const listed = JSON.parse(answer!.body.toString()) as { data: Record<string, unknown>[] };

      expect(answer?.statusCode).toBe(200);
      expect(listed.data).toEqual([
        { to: 'ada@example.com', subject: 'Second', text: 'two', sentAt: expect.any(String) },
        { to: 'ada@example.com', subject: 'First', text: 'one', sentAt: expect.any(String) },
      ]);
      expect((await catcher.answer('GET', '/local/emails', ''))?.statusCode).toBe(400);
      expect(catcher.answer('GET', '/v1/me', '')).toBeUndefined();
    } finally {
      client.destroy();
      await catcher.stop();
    }
  });
});

describe('token expiry, cap and revocation on DynamoDB Local', () => {
  it('refuses an expired token as a revoked one, and lists it no more', async () => {
    let now = at('10:00:00');
    const deps = { ...users, clock: () => now, tokenLifetimeMs: 60_000 };
    const { user, token } = await registerUser(deps, credentials('expiring@example.com'));

    expect(token.expiresAt).toBe(at('10:01:00').toISOString());
    await expect(authenticate(deps, token.token)).resolves.toMatchObject({ userId: user.id });
    now = at('10:01:00');

    await expect(authenticate(deps, token.token)).resolves.toBeUndefined();
    await expect(listTokens(deps, user.id, { limit: 100 })).resolves.toEqual({ data: [], nextCursor: null });
  });

  it('caps a user at 25 live tokens under concurrent sign-ins; a revoked or expired one frees its place', async () => {
    let now = at('10:00:00');
    const deps = { ...users, clock: () => now, tokenLifetimeMs: 60 * 60 * 1000 };
    const { user, token: first } = await registerUser(deps, credentials('capped@example.com'));
    for (let i = 1; i < MAX_LIVE_TOKENS - 4; i++) await createToken(deps, credentials('capped@example.com'));

    const burst = await Promise.allSettled(
      Array.from({ length: 10 }, () => createToken(deps, credentials('capped@example.com'))),
    );

    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    for (const refused of burst.filter((r) => r.status === 'rejected')) {
      expect(refused.reason).toMatchObject({ code: 'limit_reached', status: 422 });
    }
    await revokeToken(deps, user.id, first.id);
    await expect(createToken(deps, credentials('capped@example.com'))).resolves.toMatchObject({
      id: expect.any(String),
    });
    await expect(createToken(deps, credentials('capped@example.com'))).rejects.toMatchObject({ code: 'limit_reached' });
    now = at('11:00:00');
    await expect(createToken(deps, credentials('capped@example.com'))).resolves.toMatchObject({
      id: expect.any(String),
    });
  });

  it("revokes every token of a user at once, answering their ids, and no other user's", async () => {
    const ada = await registerUser(users, credentials('all-ada@example.com'));
    const more = [
      await createToken(users, credentials('all-ada@example.com')),
      await createToken(users, credentials('all-ada@example.com')),
    ];
    const bob = await registerUser(users, credentials('all-bob@example.com'));

    const revoked = await revokeAllTokens(users, ada.user.id);

    expect(revoked.sort()).toEqual([ada.token.id, ...more.map((t) => t.id)].sort());
    for (const token of [ada.token, ...more]) await expect(authenticate(users, token.token)).resolves.toBeUndefined();
    await expect(authenticate(users, bob.token.token)).resolves.toMatchObject({ userId: bob.user.id });
    await expect(createToken(users, credentials('all-ada@example.com'))).resolves.toMatchObject({
      id: expect.any(String),
    });
  });
});

describe('sign-in throttling on DynamoDB Local', () => {
  /** The user deps with a clock the test moves. */
  const withClock = (start: Date) => {
    let now = start;
    return {
      deps: { ...users, clock: () => now },
      advance: (ms: number) => {
        now = new Date(now.getTime() + ms);
      },
    };
  };
  const wrong = (email: string) => ({ email, password: 'not the password at all' });

  it('refuses every sign-in of an email after 5 failures in 15 minutes, whatever the password, until the window passes', async () => {
    await registerUser(users, credentials('throttled@example.com'));
    const { deps, advance } = withClock(at('10:00:00'));

    for (let i = 0; i < 5; i++) {
      await expect(createToken(deps, wrong('throttled@example.com'))).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
      advance(60_000);
    }
    const refused = createToken(deps, credentials('throttled@example.com'));

    await expect(refused).rejects.toMatchObject({ code: 'too_many_requests', headers: { 'retry-after': '600' } });
    advance(600_000);
    await expect(createToken(deps, credentials('throttled@example.com'))).resolves.toMatchObject({
      token: expect.any(String),
    });
  });

  it('counts concurrent failures one by one', async () => {
    const { deps } = withClock(at('11:00:00'));

    await Promise.allSettled(Array.from({ length: 5 }, () => createToken(deps, wrong('burst@example.com'))));

    await expect(createToken(deps, wrong('burst@example.com'))).rejects.toMatchObject({ code: 'too_many_requests' });
  });

  it('throttles an unknown email as a known one, with the same reads and writes', async () => {
    await registerUser(users, credentials('known@example.com'));
    const { deps } = withClock(at('12:00:00'));
    const send = jest.spyOn(db.client, 'send');
    const commandsOf = async (email: string) => {
      send.mockClear();
      await expect(createToken(deps, wrong(email))).rejects.toMatchObject({ code: 'invalid_credentials' });
      return send.mock.calls.map(([command]) => command.constructor.name);
    };

    const known = await commandsOf('known@example.com');
    const unknown = await commandsOf('nobody@example.com');

    send.mockRestore();
    expect(unknown).toEqual(known);
    expect(known.filter((name) => name === 'GetCommand')).toHaveLength(3);
  });

  it('makes a hash with older scrypt parameters again at the next successful sign-in', async () => {
    await registerUser({ ...users, passwordParams: { N: 2 ** 9, r: 8, p: 1 } }, credentials('old-hash@example.com'));
    const hashOf = async () => (await users.users.findByEmail('old-hash@example.com'))?.passwordHash ?? '';
    const before = await hashOf();

    await createToken(users, credentials('old-hash@example.com'));

    expect(before.split('$').slice(0, 4)).toEqual(['scrypt', '512', '8', '1']);
    expect((await hashOf()).split('$').slice(0, 4)).toEqual(['scrypt', String(CHEAP_SCRYPT.N), '8', '1']);
    await expect(createToken(users, credentials('old-hash@example.com'))).resolves.toMatchObject({
      id: expect.any(String),
    });
  });
});

describe('accounts on DynamoDB Local', () => {
  it('lists a user’s own wallets and only theirs, filtered and sorted', async () => {
    const accounts = accountDeps();
    const ada = { userId: 'usr_ada', role: 'user' as const, tokenId: 'tok_a', emailVerified: true };
    const bob = { userId: 'usr_bob', role: 'user' as const, tokenId: 'tok_b', emailVerified: true };
    const usd = await openWallet(accounts, ada, { currency: 'USD', name: 'b' });
    const eur = await openWallet(accounts, ada, { currency: 'EUR', name: 'a' });
    await openWallet(accounts, bob, { currency: 'USD' });

    const byName = await listOwnAccounts(accounts, ada, { order: { field: 'name', descending: false } }, { limit: 20 });
    const dollars = await listOwnAccounts(
      accounts,
      ada,
      { currency: 'USD', order: { field: 'createdAt', descending: false } },
      { limit: 20 },
    );

    expect(byName.data.map((a) => a.id)).toEqual([eur.id, usd.id]);
    expect(dollars.data.map((a) => a.id)).toEqual([usd.id]);
  });

  it('creates a technical account once, however many ask for it at the same time', async () => {
    const accounts = new DynamoAccountStore(db.client, db.names);
    const at = new Date().toISOString();

    const results = await Promise.all(
      Array.from({ length: 6 }, () => accounts.ensure(newTechnicalAccount('fees', 'JPY', at))),
    );

    expect(new Set(results.map((a) => a.id))).toEqual(new Set(['tech-fees-JPY']));
    const listed = await listAllAccounts(
      { ...accountDeps(), accounts },
      { kind: 'technical', currency: 'JPY', order: { field: 'createdAt', descending: false } },
      { limit: 10 },
    );
    expect(listed.data).toEqual([expect.objectContaining({ id: 'tech-fees-JPY', ownerId: null, balance: 0n })]);
  });

  it('pages operators through every account with filters, neither repeating nor skipping', async () => {
    const deps = accountDeps();
    const owner = { userId: 'usr_pager', role: 'user' as const, tokenId: 'tok_p', emailVerified: true };
    const opened = [];
    for (let i = 0; i < 7; i++) opened.push(await openWallet(deps, owner, { currency: 'GBP' }));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAllAccounts(
        deps,
        { currency: 'GBP', order: { field: 'createdAt', descending: false } },
        { limit: 3, ...(cursor ? { cursor } : {}) },
      );
      seen.push(...page.data.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toEqual(opened.map((a) => a.id));
  });
});
