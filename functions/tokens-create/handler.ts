import { createToken } from '../../shared/users/service';
import { createToken as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ body }) => createToken(userDeps, body));
