import { confirmEmail } from '../../shared/users/confirmation';
import { confirmEmail as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ body }) => confirmEmail(userDeps, body.token));
