import { jest } from '@jest/globals';
import { main as createAdmin } from '../../infra/scripts/admin-create';
import { systemClock } from '../../shared/clock';
import { tables } from '../../shared/adapters/tables';
import { DynamoSignInAttempts, DynamoTokenStore, DynamoUserStore } from '../../shared/adapters/user-store';
import { createToken, authenticate } from '../../shared/users/service';
import { createTestTables, type TestTables } from '../support/dynamo';

let db: TestTables;

beforeAll(async () => {
  db = await createTestTables();
  process.env.AWS_ENDPOINT_URL = process.env.TEST_DYNAMODB_ENDPOINT;
});

afterAll(() => {
  db.destroy();
});

describe('npm run admin:create', () => {
  it('creates an admin who can then sign in and is resolved with the admin role', async () => {
    const env = {
      [tables.users.envVar]: db.names.users,
      [tables.tokens.envVar]: db.names.tokens,
      ADMIN_EMAIL: 'Ops@Example.com',
      ADMIN_PASSWORD: 'a long admin password',
    };
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);

    await createAdmin(env);

    log.mockRestore();
    const deps = {
      users: new DynamoUserStore(db.client, db.names.users),
      tokens: new DynamoTokenStore(db.client, db.names.tokens),
      attempts: new DynamoSignInAttempts(db.client, db.names.users),
      mailer: { send: () => Promise.reject(new Error('an admin gets no confirmation email')) },
      clock: systemClock,
    };
    const token = await createToken(deps, { email: 'ops@example.com', password: 'a long admin password' });
    await expect(authenticate(deps, token.token)).resolves.toMatchObject({ role: 'admin' });
    // Two scrypt hashes (the creation, the sign-in): past the default 5 s when the 2 cores are shared.
  }, 30_000);

  it('refuses a password under ten characters and creates nobody', async () => {
    const env = {
      [tables.users.envVar]: db.names.users,
      [tables.tokens.envVar]: db.names.tokens,
      ADMIN_EMAIL: 'short@example.com',
      ADMIN_PASSWORD: 'short',
    };

    await expect(createAdmin(env)).rejects.toMatchObject({
      code: 'validation_error',
      errors: [{ path: 'ADMIN_PASSWORD' }],
    });
    await expect(
      new DynamoUserStore(db.client, db.names.users).findByEmail('short@example.com'),
    ).resolves.toBeUndefined();
  });
});
