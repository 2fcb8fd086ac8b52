import { handleClientMessage } from '../../shared/realtime/service';
import { realtimeDeps } from '../lib/runtime';
import { websocketHandler } from '../lib/websocket';

/** Every client message: `{ "action": "subscribe", "paymentId" }`, answered on the same connection. */
export const handler = websocketHandler(async (event) => ({
  statusCode: 200,
  message: await handleClientMessage(realtimeDeps, event.requestContext.connectionId, event.body),
}));
