import { tokenIdParams } from '../../shared/schemas/users';
import { revokeToken } from '../../shared/users/service';
import { httpHandler, noContent } from '../lib/http';
import { userDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'user', params: tokenIdParams }, async ({ caller, params }) => {
  await revokeToken(userDeps, caller.userId, params.id);
  return noContent();
});
