import { openConnection } from '../../shared/realtime/service';
import { realtimeDeps } from '../lib/runtime';
import { websocketHandler } from '../lib/websocket';

/**
 * `$connect`, behind the `$connect` authorizer that resolved `?token=`: remembers the connection with its user and
 * token, so that the notifier finds it and revoking the token closes it. Without an authorizer context (which API
 * Gateway never sends) it refuses with 401.
 */
export const handler = websocketHandler(async (event) => {
  const context = event.requestContext.authorizer;
  if (!context?.userId || !context.tokenId) return { statusCode: 401 };
  await openConnection(realtimeDeps, event.requestContext.connectionId, {
    userId: context.userId,
    tokenId: context.tokenId,
  });
  return { statusCode: 200 };
});
