import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../functions/authorizer/handler';
import { issueToken } from '../../shared/security/tokens';
import { lambdaContext } from '../support/http-event';

const dynamo = mockClient(DynamoDBDocumentClient);

const authorizerEvent = (authorization?: string): APIGatewayRequestAuthorizerEventV2 => ({
  version: '2.0',
  type: 'REQUEST',
  routeArn: 'arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/v1/me',
  identitySource: [],
  routeKey: 'GET /v1/me',
  rawPath: '/v1/me',
  rawQueryString: '',
  cookies: [],
  headers: authorization === undefined ? {} : { authorization },
  requestContext: {} as APIGatewayRequestAuthorizerEventV2['requestContext'],
});

const user = {
  pk: 'user#usr_1',
  id: 'usr_1',
  email: 'ada@example.com',
  role: 'admin',
  emailVerified: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  passwordHash: 'x',
};

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
});

const FAR = '2100-01-01T00:00:00.000Z';

describe('authorizer', () => {
  it('resolves a live token to its user and role', async () => {
    const { id, token, hash } = issueToken();
    dynamo
      .on(GetCommand, { Key: { id } })
      .resolves({ Item: { id, userId: 'usr_1', hash, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: FAR } });
    dynamo.on(GetCommand, { Key: { pk: 'user#usr_1' } }).resolves({ Item: user });

    const result = await handler(authorizerEvent(`Bearer ${token}`), lambdaContext('authorizer'));

    expect(result).toEqual({
      isAuthorized: true,
      context: { userId: 'usr_1', role: 'admin', tokenId: id, emailVerified: true },
    });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a scheme other than Bearer', 'Basic YWRhOnB3'],
    ['a string that cannot be a token', 'Bearer nonsense'],
  ])('hands an empty context on for %s, so the route answers 401', async (_case, header) => {
    const result = await handler(authorizerEvent(header), lambdaContext('authorizer'));

    expect(result).toEqual({ isAuthorized: true, context: {} });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a revoked token, whose record is gone', async () => {
    const { token } = issueToken();

    const result = await handler(authorizerEvent(`Bearer ${token}`), lambdaContext('authorizer'));

    expect(result).toEqual({ isAuthorized: true, context: {} });
  });

  it('refuses an expired token, as a revoked one, before its record is removed', async () => {
    const { id, token, hash } = issueToken();
    const expiresAt = new Date(Date.now() - 1_000).toISOString();
    dynamo
      .on(GetCommand, { Key: { id } })
      .resolves({ Item: { id, userId: 'usr_1', hash, createdAt: '2026-01-01T00:00:00.000Z', expiresAt } });
    dynamo.on(GetCommand, { Key: { pk: 'user#usr_1' } }).resolves({ Item: user });

    const result = await handler(authorizerEvent(`Bearer ${token}`), lambdaContext('authorizer'));

    expect(result).toEqual({ isAuthorized: true, context: {} });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('refuses a token whose secret does not match the stored hash', async () => {
    const { id, hash } = issueToken();
    dynamo
      .on(GetCommand, { Key: { id } })
      .resolves({ Item: { id, userId: 'usr_1', hash, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: FAR } });
    dynamo.on(GetCommand, { Key: { pk: 'user#usr_1' } }).resolves({ Item: user });
    const forged = `${id}.${'A'.repeat(43)}`;

    const result = await handler(authorizerEvent(`Bearer ${forged}`), lambdaContext('authorizer'));

    expect(result).toEqual({ isAuthorized: true, context: {} });
  });
});
