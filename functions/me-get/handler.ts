import { getUser } from '../../shared/users/service';
import { httpHandler, ok } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'user' }, async ({ caller }) =>
  ok(await getUser(userDeps, caller.userId)),
);
