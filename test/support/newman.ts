/**
 * `npm run test:collections`: the Postman collection's walk-through run by newman, as a client would run it, against
 * the local stack started here (as `npm start` does, on free ports and a fresh data dir, with an operator) and stopped
 * however the run ends. Exits with newman's code; arguments go to newman (`--verbose`, a reporter…).
 *
 *   node --import tsx test/support/newman.ts [newman args]
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COLLECTIONS_DIR, FILES, WALK_THROUGH } from '../../infra/scripts/collections';
import { exitOf } from '../../infra/local/helpers';
import { startLocalStackProcess } from './local-stack';

const NEWMAN = join(createRequire(import.meta.url).resolve('newman/package.json'), '..', 'bin', 'newman.js');
const OPERATOR = { email: 'collections-ops@example.com', password: 'a long operator password' };

const stack = await startLocalStackProcess({ ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password });
let code: number;
try {
  const run = spawn(
    process.execPath,
    [
      NEWMAN,
      'run',
      join(COLLECTIONS_DIR, FILES.postman),
      '--environment',
      join(COLLECTIONS_DIR, FILES.environment),
      '--folder',
      WALK_THROUGH,
      '--env-var',
      `baseUrl=${stack.baseUrl}`,
      '--env-var',
      `adminEmail=${OPERATOR.email}`,
      '--env-var',
      `adminPassword=${OPERATOR.password}`,
      '--bail',
      '--disable-unicode',
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  code = (await exitOf(run)).code ?? 1;
} finally {
  await stack.stop();
}
process.exit(code);
