import { DynamoAccountStore } from '../../shared/adapters/account-store';
import { DynamoLedgerReader } from '../../shared/adapters/ledger-store';
import { DynamoTokenStore, DynamoUserStore } from '../../shared/adapters/user-store';
import { openWallet, listAllAccounts, listOwnAccounts } from '../../shared/accounts/service';
import { newTechnicalAccount } from '../../shared/accounts/model';
import { systemClock } from '../../shared/clock';
import { EmailTakenError } from '../../shared/errors';
import {
  authenticate,
  createToken,
  ensureAdmin,
  listTokens,
  registerUser,
  revokeToken,
  type UserDeps,
} from '../../shared/users/service';
import { createTestTables, type TestTables } from '../support/dynamo';

let db: TestTables;
let users: UserDeps;

beforeAll(async () => {
  db = await createTestTables();
  users = {
    users: new DynamoUserStore(db.client, db.names.users),
    tokens: new DynamoTokenStore(db.client, db.names.tokens),
    clock: systemClock,
  };
});

afterAll(() => {
  db.destroy();
});

const accountDeps = () => ({
  accounts: new DynamoAccountStore(db.client, db.names.accounts),
  balances: new DynamoLedgerReader(db.client, db.names.operations),
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

describe('accounts on DynamoDB Local', () => {
  it('lists a user’s own wallets and only theirs, filtered and sorted', async () => {
    const accounts = accountDeps();
    const ada = { userId: 'usr_ada', role: 'user' as const, tokenId: 'tok_a' };
    const bob = { userId: 'usr_bob', role: 'user' as const, tokenId: 'tok_b' };
    const usd = await openWallet(accounts, ada, { currency: 'USD', name: 'b' });
    const eur = await openWallet(accounts, ada, { currency: 'EUR', name: 'a' });
    await openWallet(accounts, bob, { currency: 'USD' });

    const byName = await listOwnAccounts(accounts, ada, { order: { field: 'name', descending: false }, limit: 20 });
    const dollars = await listOwnAccounts(accounts, ada, {
      currency: 'USD',
      order: { field: 'createdAt', descending: false },
      limit: 20,
    });

    expect(byName.data.map((a) => a.id)).toEqual([eur.id, usd.id]);
    expect(dollars.data.map((a) => a.id)).toEqual([usd.id]);
  });

  it('creates a technical account once, however many ask for it at the same time', async () => {
    const accounts = new DynamoAccountStore(db.client, db.names.accounts);
    const at = new Date().toISOString();

    const results = await Promise.all(
      Array.from({ length: 6 }, () => accounts.ensure(newTechnicalAccount('fees', 'JPY', at))),
    );

    expect(new Set(results.map((a) => a.id))).toEqual(new Set(['tech-fees-JPY']));
    const listed = await listAllAccounts(
      { ...accountDeps(), accounts },
      { kind: 'technical', currency: 'JPY' },
      { limit: 10 },
    );
    expect(listed.data).toEqual([expect.objectContaining({ id: 'tech-fees-JPY', ownerId: null, balance: 0n })]);
  });

  it('pages operators through every account with filters, neither repeating nor skipping', async () => {
    const deps = accountDeps();
    const owner = { userId: 'usr_pager', role: 'user' as const, tokenId: 'tok_p' };
    const opened = [];
    for (let i = 0; i < 7; i++) opened.push(await openWallet(deps, owner, { currency: 'GBP' }));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAllAccounts(deps, { currency: 'GBP' }, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.data.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toEqual(opened.map((a) => a.id));
  });
});
