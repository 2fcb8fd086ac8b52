import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { listTokens } from '../../shared/users/service';
import { listTokens as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ caller, query }) =>
  listTokens(userDeps, caller.userId, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor }),
);
