import { closeConnectionsOf } from '../../shared/realtime/service';
import { revokeAllTokens } from '../../shared/users/service';
import { revokeAllTokens as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { realtimeDeps, userDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ caller }) => {
  await closeConnectionsOf(realtimeDeps, await revokeAllTokens(userDeps, caller.userId));
});
