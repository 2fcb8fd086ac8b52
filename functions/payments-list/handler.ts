import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { listPayments } from '../../shared/payments/list';
import type { PaymentSortField } from '../../shared/payments/model';
import { toSortOrder } from '../../shared/schemas/common';
import { listPayments as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { pageView, paymentView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, query }) => {
  const { limit, sort, ...filters } = query;
  const page = await listPayments(paymentDeps, caller, {
    ...filters,
    limit: limit ?? DEFAULT_PAGE_SIZE,
    order: toSortOrder<PaymentSortField>(sort, { field: 'createdAt', descending: false }),
  });
  return pageView(page, paymentView);
});
