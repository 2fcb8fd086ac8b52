import type { AccountSortField } from '../../shared/accounts/model';
import type { AccountQuery } from '../../shared/accounts/service';
import { DEFAULT_PAGE_SIZE, type PageRequest } from '../../shared/page';
import { toSortOrder } from '../../shared/schemas/common';

type ListQuery = Omit<AccountQuery, 'order'> & {
  sort?: AccountSortField | `-${AccountSortField}` | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
};

/** An account list's query as the service takes it: its filters and order, and the page asked for. */
export const accountQuery = ({
  sort,
  limit,
  cursor,
  ...filters
}: ListQuery): { filters: AccountQuery; page: PageRequest } => ({
  filters: { ...filters, order: toSortOrder<AccountSortField>(sort, { field: 'createdAt', descending: false }) },
  page: { limit: limit ?? DEFAULT_PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) },
});
