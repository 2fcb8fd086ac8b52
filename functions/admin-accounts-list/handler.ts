import { listAllAccounts } from '../../shared/accounts/service';
import { accountQuery } from '../lib/account-query';
import { adminListAccounts } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView, pageView } from '../../shared/views';

export const handler = httpHandler(adminListAccounts, async ({ query }) => {
  const { filters, page } = accountQuery(query);
  return pageView(await listAllAccounts(accountDeps, filters, page), accountView);
});
