import { setFrozen } from '../../shared/accounts/service';
import { freezeAccount as contract } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, params }) =>
  accountView(await setFrozen(accountDeps, caller, params.id, true)),
);
