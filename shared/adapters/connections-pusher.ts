import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ServerMessage } from '../realtime/model';
import type { Pusher } from '../realtime/ports';
import { stringify } from '../json';

/** Pushes through the WebSocket API's `@connections` management API, wherever `environment.websocketEndpoint` points. */
export class ConnectionsApiPusher implements Pusher {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async push(connectionId: string, message: ServerMessage): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(stringify(message)) }),
      );
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException) return 'gone';
      throw error;
    }
  }

  async disconnect(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (!(error instanceof GoneException)) throw error;
    }
  }
}

export const createConnectionsClient = (endpoint: string): ApiGatewayManagementApiClient =>
  new ApiGatewayManagementApiClient({ endpoint });
