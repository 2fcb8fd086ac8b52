import { getUser } from '../../shared/users/service';
import { getMe } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler(getMe, async ({ caller }) => getUser(userDeps, caller.userId));
