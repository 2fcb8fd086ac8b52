import { listOwnAccounts } from '../../shared/accounts/service';
import { listAccounts } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView, pageView } from '../../shared/views';
import { accountQuery } from '../lib/account-query';

export const handler = httpHandler(listAccounts, async ({ caller, query }) => {
  const { filters, page } = accountQuery(query);
  return pageView(await listOwnAccounts(accountDeps, caller, filters, page), accountView);
});
