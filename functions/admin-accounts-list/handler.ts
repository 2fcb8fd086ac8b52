import { listAllAccounts } from '../../shared/accounts/service';
import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { adminAccountListQuery } from '../../shared/schemas/accounts';
import { httpHandler, ok } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView, pageView } from '../lib/views';

export const handler = httpHandler(
  { access: 'admin', query: adminAccountListQuery },
  async ({ query: { limit, cursor, ...filter } }) =>
    ok(
      pageView(await listAllAccounts(accountDeps, filter, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }), accountView),
    ),
);
