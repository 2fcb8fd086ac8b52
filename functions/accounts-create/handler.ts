import { openWallet } from '../../shared/accounts/service';
import { openAccountBody } from '../../shared/schemas/accounts';
import { created, httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView } from '../lib/views';

export const handler = httpHandler({ access: 'user', body: openAccountBody }, async ({ caller, body }) =>
  created(accountView(await openWallet(accountDeps, caller, body))),
);
