import { readableAccount } from '../../shared/accounts/service';
import { getAccount } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView } from '../../shared/views';

export const handler = httpHandler(getAccount, async ({ caller, params }) =>
  accountView(await readableAccount(accountDeps, caller, params.id)),
);
