import { openConnection } from '../../shared/realtime/service';
import { authenticate } from '../../shared/users/service';
import { realtimeDeps, userDeps } from '../lib/runtime';
import { websocketHandler } from '../lib/websocket';

/**
 * `$connect`: a browser cannot set headers on a WebSocket upgrade, so the token comes as `?token=`. A bad or revoked
 * token answers 401, and API Gateway refuses the upgrade.
 */
export const handler = websocketHandler(async (event) => {
  const principal = await authenticate(userDeps, event.queryStringParameters?.token);
  if (!principal) return { statusCode: 401 };
  await openConnection(realtimeDeps, event.requestContext.connectionId, principal);
  return { statusCode: 200 };
});
