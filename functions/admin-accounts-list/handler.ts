import { listAllAccounts } from '../../shared/accounts/service';
import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { adminListAccounts } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView, pageView } from '../../shared/views';

export const handler = httpHandler(adminListAccounts, async ({ query: { limit, cursor, ...filter } }) =>
  pageView(await listAllAccounts(accountDeps, filter, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), accountView),
);
