import { handleClientMessage } from '../../shared/realtime/service';
import { realtimeDeps } from '../lib/runtime';
import { websocketHandler } from '../lib/websocket';

/**
 * Every client message: `{ "action": "subscribe", "paymentId" }`, answered on the same connection, and
 * `{ "action": "resume", "after" }`, whose missed events are pushed down the connection in order.
 */
export const handler = websocketHandler(async (event) => ({
  statusCode: 200,
  message: await handleClientMessage(realtimeDeps, event.requestContext.connectionId, event.body),
}));
