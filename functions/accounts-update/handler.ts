import { updateAccount } from '../../shared/accounts/service';
import { updateAccount as contract } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, params, body }) =>
  accountView(await updateAccount(accountDeps, caller, params.id, body)),
);
