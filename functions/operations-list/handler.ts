import { readableAccountRecord } from '../../shared/accounts/service';
import { chainsOf } from '../../shared/ledger/chains';
import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { toSortOrder } from '../../shared/schemas/common';
import { listOperations } from '../contracts/accounts';
import { httpHandler } from '../lib/http';
import { accountDeps, paymentDeps } from '../lib/runtime';
import { operationView, pageView } from '../../shared/views';

export const handler = httpHandler(listOperations, async ({ caller, params, query: { limit, sort, ...filters } }) => {
  const account = await readableAccountRecord(accountDeps, caller, params.id);
  const order = toSortOrder<'createdAt' | 'amount'>(sort, { field: 'createdAt', descending: false });
  const page = await paymentDeps.ledger.operations(account.id, chainsOf(account), {
    ...filters,
    sort: order.field,
    descending: order.descending,
    limit: limit ?? DEFAULT_PAGE_SIZE,
  });
  return pageView(page, operationView);
});
