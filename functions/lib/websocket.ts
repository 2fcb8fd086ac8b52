import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { stringify } from '../../shared/json';
import { logger } from './logger';

/**
 * `$connect` also carries the query string and headers of the upgrade request, and what its authorizer resolved,
 * which the general type leaves out.
 */
export type WebSocketEvent = Omit<APIGatewayProxyWebsocketEventV2, 'requestContext'> & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    authorizer?: { principalId?: string; userId?: string; role?: string; tokenId?: string };
  };
  queryStringParameters?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
};

export interface WebSocketResult {
  statusCode: number;
  /** Sent back on the connection, for a two-way route. */
  message?: unknown;
}

/**
 * The one middy stack of every WebSocket route: structured logs carrying the connection id, and a fault answered as
 * a bare 500 that says nothing internal (API Gateway tells the client "Internal server error").
 */
export const websocketHandler = (handle: (event: WebSocketEvent) => Promise<WebSocketResult>) =>
  middy<WebSocketEvent, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        logger.error('WebSocket route failed', { error: request.error ?? undefined });
        request.response = { statusCode: 500 };
      },
    })
    .handler(async (event: WebSocketEvent) => {
      logger.appendKeys({ connectionId: event.requestContext.connectionId });
      const { statusCode, message } = await handle(event);
      return message === undefined ? { statusCode } : { statusCode, body: stringify(message) };
    });
