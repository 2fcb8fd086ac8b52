import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayAuthorizerWithContextResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authenticate } from '../../shared/users/service';
import { logger } from '../lib/logger';
import { userDeps } from '../lib/runtime';

/**
 * The WebSocket API's `$connect` authorizer (a REQUEST authorizer on `?token=`: a browser cannot set headers on an
 * upgrade). API Gateway answers 401 itself when the token is missing, and 401 again when this function fails with
 * exactly "Unauthorized", which is how a bad or revoked token is refused; a Deny policy would answer 403.
 */
export const handler = middy<
  APIGatewayRequestAuthorizerEvent,
  APIGatewayAuthorizerWithContextResult<{ userId: string; role: string; tokenId: string }>
>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: APIGatewayRequestAuthorizerEvent) => {
    const principal = await authenticate(userDeps, event.queryStringParameters?.token ?? undefined);
    if (!principal) throw new Error('Unauthorized');
    return {
      principalId: principal.userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { userId: principal.userId, role: principal.role, tokenId: principal.tokenId },
    };
  });
