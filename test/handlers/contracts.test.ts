import * as z from 'zod/mini';
import { contracts } from '../../functions/contracts';
import { createAccount } from '../../functions/contracts/accounts';
import type { RouteContract } from '../../functions/lib/contract';
import { type HttpHandler, httpHandler } from '../../functions/lib/http';
import { defaultRoute, type FunctionName, functions, routes } from '../../functions/manifest';
import { buildOpenApiDocument, type JsonSchema } from '../../functions/openapi/document';
import { handler as openApiHandler } from '../../functions/openapi/handler';
import { httpEvent, lambdaContext, parseResponse, userPrincipal } from '../support/http-event';

const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

const handlerOf = async (name: FunctionName): Promise<HttpHandler> => {
  const module = (await import(`../../${functions[name].entry}`)) as { handler: HttpHandler };
  return module.handler;
};

const servedDocument = async () => {
  const response = await openApiHandler(httpEvent({ path: '/openapi.json' }), lambdaContext('openapi'));
  return JSON.parse(response.body ?? '') as ReturnType<typeof buildOpenApiDocument>;
};

describe('route contracts', () => {
  it('declare each route of the manifest once, served by a function of the manifest', () => {
    const keys = routes.map(keyOf);

    expect(routes).toBe(contracts);
    expect(new Set(keys).size).toBe(keys.length);
    expect(routes.filter((route) => !(route.function in functions))).toEqual([]);
  });

  it('are the very objects the handlers validate with', async () => {
    for (const route of routes) {
      const handler = await handlerOf(route.function);
      expect({ route: keyOf(route), same: handler.contract === route }).toEqual({ route: keyOf(route), same: true });
    }
    expect((await handlerOf(defaultRoute)).contract.function).toBe(defaultRoute);
  });

  it('are what the served /openapi.json says of every route, operation by operation', async () => {
    const served = await servedDocument();

    for (const route of routes) {
      const handler = await handlerOf(route.function);
      const fromHandler = buildOpenApiDocument([handler.contract]).paths[route.path];
      expect(served.paths[route.path]?.[route.method.toLowerCase() as 'get']).toEqual(
        JSON.parse(JSON.stringify(fromHandler?.[route.method.toLowerCase() as 'get'])),
      );
    }
  });

  it('move the handler and the document together when a contract changes', async () => {
    // The same route with one more required field: the handler refuses a body without it, the document requires it.
    const changed: RouteContract = {
      ...createAccount,
      body: z.strictObject({ currency: z.string(), nickname: z.string() }),
    };
    const handler = httpHandler(changed, () => Promise.resolve({ id: 'acc_1' }));
    const operation = buildOpenApiDocument([changed]).paths['/v1/accounts']?.post;
    const body = operation?.requestBody?.content['application/json']?.schema as JsonSchema;

    const refused = parseResponse(
      await handler(
        httpEvent({ method: 'POST', path: '/v1/accounts', body: { currency: 'USD' }, principal: userPrincipal() }),
        lambdaContext(),
      ),
    );
    const accepted = parseResponse(
      await handler(
        httpEvent({
          method: 'POST',
          path: '/v1/accounts',
          body: { currency: 'USD', nickname: 'n' },
          principal: userPrincipal(),
        }),
        lambdaContext(),
      ),
    );

    expect(body.required).toEqual(['currency', 'nickname']);
    expect(refused).toMatchObject({ status: 400, body: { errors: [{ path: 'nickname', message: 'is required' }] } });
    expect(accepted.status).toBe(changed.success.status);
  });
});
