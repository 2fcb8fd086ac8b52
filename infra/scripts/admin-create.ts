/**
 * `npm run admin:create`: creates an administrator (or promotes the user who owns that email, given their password).
 * Admins never come from the public API. Table names come from USERS_TABLE and TOKENS_TABLE (the deployed stack's
 * outputs); the endpoint from AWS_ENDPOINT_URL when set, so it works against the local stack or an emulator too.
 * The password is read from ADMIN_PASSWORD or, when that is unset, from standard input, to keep it out of the
 * shell's history.
 */
import { createInterface } from 'node:readline/promises';
import * as z from 'zod/mini';
import { systemClock } from '../../shared/clock';
import { createDocumentClient } from '../../shared/adapters/client';
import { tables } from '../../shared/adapters/tables';
import { DynamoTokenStore, DynamoUserStore } from '../../shared/adapters/user-store';
import { DomainError } from '../../shared/errors';
import { emailSchema, passwordSchema } from '../../shared/schemas/common';
import { parseInput } from '../../shared/schemas/validation';
import { ensureAdmin } from '../../shared/users/service';

const envSchema = z.object({
  ADMIN_EMAIL: emailSchema,
  [tables.users.envVar]: z.string().check(z.minLength(1)),
  [tables.tokens.envVar]: z.string().check(z.minLength(1)),
});

const readPassword = async (): Promise<string> => {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    return (await lines.question('Admin password: ')).trim();
  } finally {
    lines.close();
  }
};

export const main = async (env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const config = parseInput(envSchema, env);
  const password = parseInput(passwordSchema, env.ADMIN_PASSWORD ?? (await readPassword()), ['ADMIN_PASSWORD']);
  const client = createDocumentClient();
  try {
    const admin = await ensureAdmin(
      {
        users: new DynamoUserStore(client, config[tables.users.envVar]),
        tokens: new DynamoTokenStore(client, config[tables.tokens.envVar]),
        clock: systemClock,
      },
      { email: config.ADMIN_EMAIL, password },
    );
    console.log(JSON.stringify(admin, null, 2));
  } finally {
    client.destroy();
  }
};

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main().catch((error: unknown) => {
    if (error instanceof DomainError) {
      const fields = (error.errors ?? []).map(({ path, message }) => `\n  ${path} ${message}`).join('');
      console.error(`admin:create: ${error.message}${fields}`);
    } else {
      console.error('admin:create failed:', error);
    }
    process.exitCode = 1;
  });
}
