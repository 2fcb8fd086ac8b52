import { readableAccount } from '../../shared/accounts/service';
import { accountIdParams } from '../../shared/schemas/accounts';
import { httpHandler, ok } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView } from '../lib/views';

export const handler = httpHandler({ access: 'user', params: accountIdParams }, async ({ caller, params }) =>
  ok(accountView(await readableAccount(accountDeps, caller, params.id))),
);
