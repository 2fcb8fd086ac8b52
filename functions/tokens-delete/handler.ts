import { closeConnectionsOf } from '../../shared/realtime/service';
import { revokeToken } from '../../shared/users/service';
import { revokeToken as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { realtimeDeps, userDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ caller, params }) => {
  await revokeToken(userDeps, caller.userId, params.id);
  await closeConnectionsOf(realtimeDeps, [params.id]);
});
