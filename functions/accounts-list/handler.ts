import { type AccountSortField, listOwnAccounts } from '../../shared/accounts/service';
import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { toSortOrder } from '../../shared/schemas/common';
import { listAccounts } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps } from '../lib/runtime';
import { accountView, pageView } from '../../shared/views';

export const handler = httpHandler(listAccounts, async ({ caller, query }) => {
  const page = await listOwnAccounts(accountDeps, caller, {
    currency: query.currency,
    status: query.status,
    order: toSortOrder<AccountSortField>(query.sort, { field: 'createdAt', descending: false }),
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  });
  return pageView(page, accountView);
});
