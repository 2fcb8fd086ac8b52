import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { bearerToken } from '../../shared/security/tokens';
import { authenticate } from '../../shared/users/service';
import type { AuthorizerContext } from '../lib/auth-context';
import { logger } from '../lib/logger';
import { userDeps } from '../lib/runtime';

/**
 * HTTP API Lambda authorizer (payload 2.0, simple responses). It resolves the token and always allows: the handler
 * answers 401 problem+json for an empty context, which API Gateway's own denial could not.
 */
export const handler = middy<
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>
>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const principal = await authenticate(userDeps, bearerToken(event.headers?.authorization));
    return { isAuthorized: true, context: principal ?? {} };
  });
