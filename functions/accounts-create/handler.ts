import { openWallet } from '../../shared/accounts/service';
import { createAccount } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView } from '../../shared/views';

export const handler = httpHandler(createAccount, async ({ caller, body }) =>
  accountView(await openWallet(accountDeps, caller, body)),
);
