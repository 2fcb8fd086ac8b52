import { credentialsBody } from '../../shared/schemas/users';
import { registerUser } from '../../shared/users/service';
import { created, httpHandler } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'public', body: credentialsBody }, async ({ body }) =>
  created(await registerUser(userDeps, body)),
);
