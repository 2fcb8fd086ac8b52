import { registerUser } from '../../shared/users/service';
import { createUser } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { mailingDeps } from '../lib/runtime';

export const handler = httpHandler(createUser, async ({ body }) => registerUser(mailingDeps, body));
