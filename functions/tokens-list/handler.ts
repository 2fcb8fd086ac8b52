import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { tokenListQuery } from '../../shared/schemas/users';
import { listTokens } from '../../shared/users/service';
import { httpHandler, ok } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'user', query: tokenListQuery }, async ({ caller, query }) =>
  ok(await listTokens(userDeps, caller.userId, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor })),
);
