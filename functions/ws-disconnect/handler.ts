import { closeConnection } from '../../shared/realtime/service';
import { realtimeDeps } from '../lib/runtime';
import { websocketHandler } from '../lib/websocket';

export const handler = websocketHandler(async (event) => {
  await closeConnection(realtimeDeps, event.requestContext.connectionId);
  return { statusCode: 200 };
});
