import { Validator } from '@seriousme/openapi-schema-validator';
import * as z from 'zod/mini';

import { routes } from '../../functions/manifest';
import {
  buildOpenApiDocument,
  CURRENCY_REF,
  IDEMPOTENCY_KEY_REF,
  type JsonSchema,
  type Operation,
  type Parameter,
  PROBLEM_REF,
  toJsonSchema,
} from '../../functions/openapi/document';
import { ERROR_CODES, errorExample } from '../../functions/openapi/errors';
import { handler } from '../../functions/openapi/handler';
import { CURSOR_MAX_LENGTH, CURSOR_MIN_LENGTH, CURSOR_PATTERN } from '../../shared/adapters/cursor';
import { amountSchema } from '../../shared/schemas/common';
import { httpEvent, lambdaContext } from '../support/http-event';

const document = buildOpenApiDocument();

const operationOf = (method: string, path: string): Operation | undefined =>
  document.paths[path]?.[method.toLowerCase() as 'get'];

const documented = routes.map((route) => ({ route, operation: operationOf(route.method, route.path) }));

const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** What one side of a payment may do to it and the other side, who sees it too, may not: a 403, not a 404. */
const PAYMENT_ACTIONS = new Set([
  'POST /v1/payments/{id}/refunds',
  'POST /v1/payments/{id}/capture',
  'POST /v1/payments/{id}/void',
]);

const mustOperation = (method: string, path: string): Operation => {
  const operation = operationOf(method, path);
  if (!operation) throw new Error(`${method} ${path} is not documented`);
  return operation;
};

const bodySchema = (operation: Operation): JsonSchema => {
  const schema = operation.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`${operation.operationId} has no JSON request body`);
  return schema;
};

const propertyOf = (schema: JsonSchema, name: string): JsonSchema =>
  (schema.properties as Record<string, JsonSchema> | undefined)?.[name] ?? {};

const inlineParameters = (operation: Operation): Parameter[] =>
  (operation.parameters ?? []).filter((parameter): parameter is Parameter => !('$ref' in parameter));

const codesOf = (operation: Operation, status: number): string[] =>
  Object.keys(operation.responses[String(status)]?.content?.['application/problem+json']?.examples ?? {});

const isSecured = (operation: Operation) => operation.security.some((requirement) => 'bearer' in requirement);

describe('OpenAPI document', () => {
  it('is a structurally valid OpenAPI 3.1 document whose $refs all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);

    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route of the manifest under its method and path', () => {
    const missing = documented
      .filter(({ operation }) => !operation)
      .map(({ route }) => `${route.method} ${route.path}`);

    expect(missing).toEqual([]);
  });

  it('documents no operation that the manifest does not route', () => {
    const routed = new Set(routes.map((route) => `${route.method} ${route.path}`));
    const served = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(served.filter((key) => !routed.has(key))).toEqual([]);
  });

  it('declares each {name} of a path as a required path parameter, and no other', () => {
    for (const { route, operation } of documented) {
      const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const pathParameters = inlineParameters(operation!).filter((parameter) => parameter.in === 'path');

      expect(pathParameters.map((parameter) => parameter.name)).toEqual(names);
      expect(pathParameters.every((parameter) => parameter.required)).toBe(true);
    }
  });

  it('gives every operation a unique operationId, a summary, a description and a declared tag', () => {
    const ids = documented.map(({ operation }) => operation!.operationId);
    const tags = new Set(document.tags.map((tag) => tag.name));

    expect(new Set(ids).size).toBe(ids.length);
    for (const { operation } of documented) {
      expect(operation!.summary).not.toBe('');
      expect(operation!.description).not.toBe('');
      expect(operation!.tags.length).toBeGreaterThan(0);
      expect(operation!.tags.every((tag) => tags.has(tag))).toBe(true);
    }
  });

  it('states the conventions clients rely on in info', () => {
    expect(document.info).toMatchObject({ title: 'Billing gateway API', version: '1.0.0' });
    for (const convention of ['minor unit', 'ISO 4217', 'application/problem+json', 'nextCursor', 'Idempotency-Key']) {
      expect(document.info.description).toContain(convention);
    }
  });
});

describe('request schemas', () => {
  it('forbid unknown fields in every POST body', () => {
    const posts = documented.filter(({ route }) => route.method === 'POST' && route.body);

    expect(posts.length).toBeGreaterThan(0);
    // A body with several shapes (a payment's `type`) is a oneOf whose every branch is closed.
    const shapes = posts.flatMap(({ operation }): Record<string, unknown>[] => {
      const body = bodySchema(operation!);
      return Array.isArray(body.oneOf) ? (body.oneOf as Record<string, unknown>[]) : [body];
    });
    expect(shapes.length).toBeGreaterThanOrEqual(posts.length);
    for (const shape of shapes) expect(shape).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('give every body at least one example, each of which the route itself accepts', () => {
    const withBody = documented.filter(({ route }) => route.body);
    const examples = withBody.flatMap(({ route, operation }) =>
      Object.entries(operation?.requestBody?.content['application/json']?.examples ?? {}).map(([name, example]) => ({
        route,
        name,
        value: example.value,
      })),
    );

    expect(withBody.length).toBeGreaterThan(5);
    const without = withBody.filter(({ route }) => !examples.some((example) => example.route === route));
    expect(without.map(({ route }) => `${route.method} ${route.path}`)).toEqual([]);
    const refused = examples.filter(({ route, value }) => !z.safeParse(route.body!, value).success);
    expect(refused.map(({ route, name }) => `${route.method} ${route.path} ${name}`)).toEqual([]);
  });

  it('keep the sign-up email and password rules: an email of at most 254 chars, a password of 10 to 1024', () => {
    const body = bodySchema(mustOperation('POST', '/v1/users'));

    expect(body.required).toEqual(expect.arrayContaining(['email', 'password']));
    expect(propertyOf(body, 'email')).toMatchObject({ type: 'string', format: 'email', maxLength: 254 });
    expect(propertyOf(body, 'password')).toMatchObject({ type: 'string', minLength: 10, maxLength: 1024 });
  });

  it('count a length as the document does, in characters (an emoji is one), not in UTF-16 units', () => {
    const signUp = routes.find((route) => route.operationId === 'createUser')!.body!;
    const openAccount = routes.find((route) => route.operationId === 'createAccount')!.body!;
    const emoji = '😀';

    expect(emoji.length).toBe(2);
    expect(propertyOf(bodySchema(mustOperation('POST', '/v1/accounts')), 'name')).toMatchObject({ maxLength: 100 });
    expect(z.safeParse(openAccount, { currency: 'USD', name: emoji.repeat(100) }).success).toBe(true);
    expect(z.safeParse(openAccount, { currency: 'USD', name: emoji.repeat(101) }).success).toBe(false);
    const credentials = (password: string) => ({ email: 'ada@example.com', password });
    expect(z.safeParse(signUp, credentials(emoji.repeat(9))).success).toBe(false);
    expect(z.safeParse(signUp, credentials(emoji.repeat(10))).success).toBe(true);
  });

  it('give a request currency the Currency schema: an upper-case ISO 4217 code the gateway supports', () => {
    const body = bodySchema(mustOperation('POST', '/v1/accounts'));
    const currency = document.components.schemas.Currency;

    expect(propertyOf(body, 'currency')).toEqual({ $ref: CURRENCY_REF });
    expect(CURRENCY_REF).toBe('#/components/schemas/Currency');
    expect(currency).toMatchObject({ type: 'string', pattern: '^[A-Z]{3}$' });
    expect(currency?.enum).toEqual(expect.arrayContaining(['USD', 'EUR', 'JPY', 'BHD']));
    expect(currency?.enum).not.toContain('XAU');
    expect(currency?.description).toContain('unsupported_currency');
  });

  it('document an amount as a positive integer of at most 2^53-1 minor units', () => {
    expect(toJsonSchema(amountSchema, 'input')).toMatchObject({
      type: 'integer',
      exclusiveMinimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: expect.stringContaining('minor unit') as unknown,
    });
  });

  it('state that holdSeconds needs capture "manual" on the payments that may be held, as the route refuses it without', () => {
    const branches = bodySchema(mustOperation('POST', '/v1/payments')).oneOf as JsonSchema[];
    const route = routes.find((candidate) => candidate.operationId === 'createPayment')!;
    const held = { sourceAccountId: 'acc_1', amount: 100, currency: 'USD', holdSeconds: 3600 };
    const bodies = {
      transfer: { ...held, type: 'transfer', destinationAccountId: 'acc_2' },
      withdrawal: { ...held, type: 'withdrawal', destination: { method: 'ewallet', reference: 'wallet:1' } },
    };

    for (const [type, body] of Object.entries(bodies)) {
      const branch = branches.find((candidate) => propertyOf(candidate, 'type').const === type);
      expect(branch?.dependentSchemas).toEqual({
        holdSeconds: { properties: { capture: { const: 'manual' } }, required: ['capture'] },
      });
      expect(z.safeParse(route.body!, body).success).toBe(false);
      expect(z.safeParse(route.body!, { ...body, capture: 'automatic' }).success).toBe(false);
      expect(z.safeParse(route.body!, { ...body, capture: 'manual' }).success).toBe(true);
    }
  });

  it('are embeddable: no $schema and no $defs inside the document', () => {
    const text = JSON.stringify(document.paths);

    expect(text).not.toContain('"$schema"');
    expect(text).not.toContain('"$defs"');
  });
});

describe('request bodies', () => {
  it('are required exactly where an empty request is not a valid one', () => {
    const optional = documented
      .filter(({ operation }) => operation?.requestBody?.required === false)
      .map(({ route }) => route.operationId);

    expect(optional).toEqual(
      routes.filter((route) => route.body?.safeParse({}).success).map((route) => route.operationId),
    );
    expect(optional).toEqual(expect.arrayContaining(['freezeAccount', 'unfreezeAccount']));
    expect(optional).not.toContain('createAccount');
  });
});

describe('list endpoints', () => {
  const lists = documented.filter(({ operation }) =>
    inlineParameters(operation!).some((parameter) => parameter.in === 'query' && parameter.name === 'cursor'),
  );

  it('are all the collection GETs of the manifest', () => {
    expect(lists.map(({ route }) => `${route.method} ${route.path}`)).toEqual([
      'GET /v1/tokens',
      'GET /v1/accounts',
      'GET /v1/admin/accounts',
      'GET /v1/accounts/{id}/operations',
      'GET /v1/payments',
      'GET /v1/rates',
      'GET /v1/admin/rates/{base}/{quote}/history',
      'GET /v1/events',
      'GET /v1/webhooks',
      'GET /v1/webhooks/{id}/deliveries',
    ]);
  });

  it('take an optional limit of 1 to 100, 20 by default, and an opaque cursor of the form every cursor has', () => {
    for (const { operation } of lists) {
      const parameters = inlineParameters(operation!);

      expect(parameters.find((parameter) => parameter.name === 'limit')).toMatchObject({
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      });
      expect(parameters.find((parameter) => parameter.name === 'cursor')).toMatchObject({
        in: 'query',
        required: false,
        schema: {
          type: 'string',
          minLength: CURSOR_MIN_LENGTH,
          maxLength: CURSOR_MAX_LENGTH,
          pattern: CURSOR_PATTERN,
        },
      });
    }
  });

  it('take sort as a field name or a -field name for descending order', () => {
    const sort = inlineParameters(mustOperation('GET', '/v1/accounts')).find((parameter) => parameter.name === 'sort');

    expect(sort?.schema.enum).toEqual([
      'createdAt',
      '-createdAt',
      'balance',
      '-balance',
      'name',
      '-name',
      'currency',
      '-currency',
    ]);
    expect(sort?.description).toContain('`-`');
  });

  it('describe every query parameter', () => {
    for (const { operation } of documented) {
      for (const parameter of inlineParameters(operation!).filter(({ in: where }) => where === 'query')) {
        expect(parameter.description).toEqual(expect.any(String));
      }
    }
  });

  it('answer { data: [...], nextCursor: string | null }', () => {
    for (const { operation } of lists) {
      const schema = operation!.responses['200']?.content?.['application/json']?.schema ?? {};

      expect(schema).toMatchObject({ type: 'object', required: ['data', 'nextCursor'] });
      expect(propertyOf(schema, 'data')).toMatchObject({ type: 'array' });
      expect(propertyOf(schema, 'nextCursor')).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    }
  });
});

describe('security and errors', () => {
  it('secures exactly the user and admin routes with the bearer scheme', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { route, operation } of documented) {
      expect(operation!.security).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
    }
  });

  it('lists 401 unauthorized on every secured operation', () => {
    for (const { operation } of documented.filter(({ operation }) => isSecured(operation!))) {
      expect(codesOf(operation!, 401)).toContain('unauthorized');
    }
  });

  it('lists 403 forbidden on admin routes, on changes a reader may not make, and email_unverified where money moves, no other 403: a stranger’s resource is a 404', () => {
    // An admin reads any account but changes only what operators change; technical accounts are the gateway's own.
    const readableNotChangeable = new Set(['updateAccount', 'closeAccount']);
    for (const { route, operation } of documented.filter(({ route }) => !PAYMENT_ACTIONS.has(keyOf(route)))) {
      expect(codesOf(operation!, 403)).toEqual([
        ...(route.access === 'admin' || readableNotChangeable.has(route.operationId) ? ['forbidden'] : []),
        ...(route.verifiedEmail ? ['email_unverified'] : []),
      ]);
    }
  });

  it('lists 403 forbidden on a refund, capture or void, which the other side of the payment may see but not do', () => {
    for (const { operation } of documented.filter(({ route }) => PAYMENT_ACTIONS.has(keyOf(route)))) {
      expect(codesOf(operation!, 403)).toEqual(['email_unverified', 'forbidden']);
    }
  });

  it('lists the contract’s error codes of the user and token endpoints', () => {
    expect(codesOf(mustOperation('POST', '/v1/users'), 409)).toEqual(['email_taken']);
    expect(codesOf(mustOperation('POST', '/v1/users'), 400)).toEqual(['invalid_json', 'validation_error']);
    expect(codesOf(mustOperation('POST', '/v1/tokens'), 401)).toEqual(['invalid_credentials']);
    expect(codesOf(mustOperation('POST', '/v1/accounts'), 400)).toContain('unsupported_currency');
    expect(codesOf(mustOperation('GET', '/v1/accounts/{id}'), 404)).toEqual(['not_found']);
  });

  it('answers every error as application/problem+json with the Problem schema and its codes in the description', () => {
    for (const { operation } of documented) {
      for (const [status, response] of Object.entries(operation!.responses).filter(
        ([status]) => Number(status) >= 400,
      )) {
        const media = response.content?.['application/problem+json'];
        const codes = Object.keys(media?.examples ?? {});

        expect(Object.keys(response.content ?? {})).toEqual(['application/problem+json']);
        expect(media?.schema).toEqual({ $ref: PROBLEM_REF });
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) {
          expect(response.description).toContain(`\`${code}\``);
          expect(media?.examples?.[code]?.value).toMatchObject({ code, status: Number(status) });
        }
      }
    }
  });

  it('builds each error example from the error the handlers throw with that code', () => {
    for (const code of ERROR_CODES) {
      expect(errorExample(code).code).toBe(code);
    }
  });

  it('describes the Problem shape of RFC 9457 with field errors', () => {
    expect(document.components.schemas.Problem).toMatchObject({
      type: 'object',
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: {
        errors: { type: 'array', items: { required: ['path', 'message'] } },
      },
    });
  });
});

describe('idempotent operations', () => {
  const withMoneyMovement = buildOpenApiDocument([
    {
      method: 'POST',
      path: '/v1/things',
      function: 'health',
      access: 'user',
      operationId: 'createThing',
      summary: 'Move money',
      description: 'A money-moving test operation.',
      tags: ['Accounts'],
      body: z.strictObject({ amount: amountSchema }),
      success: { status: 202, description: 'Accepted.', schema: z.object({ id: z.string() }) },
      errors: ['validation_error', 'unauthorized'],
      idempotent: true,
    },
  ]);
  const movesMoney = withMoneyMovement.paths['/v1/things']?.post;

  it('document the optional Idempotency-Key header and list 422 idempotency_key_reused', async () => {
    await expect(
      new Validator().validate(structuredClone(withMoneyMovement) as unknown as Record<string, unknown>),
    ).resolves.toEqual({
      valid: true,
    });
    expect(movesMoney?.parameters).toContainEqual({ $ref: IDEMPOTENCY_KEY_REF });
    expect(codesOf(movesMoney!, 422)).toEqual(['idempotency_key_reused']);
    expect(document.components.parameters.IdempotencyKey).toMatchObject({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  });
});

describe('GET /openapi.json', () => {
  it('serves the document as JSON to anyone', async () => {
    const response = await handler(httpEvent({ path: '/openapi.json' }), lambdaContext('openapi'));

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(response.body ?? '')).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe('examples and links', () => {
  const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
  const byId = new Map(operations.map((operation) => [operation.operationId, operation]));

  /** Whether a JSON pointer such as `#/id` or `#/token/id` names a property the schema declares, at every step. */
  const pointsInto = (schema: JsonSchema | undefined, pointer: string): boolean => {
    let node = schema;
    for (const name of pointer.replace(/^#\//, '').split('/')) {
      node = (node?.properties as Record<string, JsonSchema> | undefined)?.[name];
    }
    return node !== undefined;
  };

  it('give every route with a body at least one example, each accepted by the route’s own body schema', () => {
    const withBody = routes.filter((route) => route.body);
    const missing = withBody.filter((route) => Object.keys(route.examples ?? {}).length === 0);
    const refused = withBody.flatMap((route) =>
      Object.entries(route.examples ?? {})
        .filter(([, example]) => !route.body!.safeParse(example).success)
        .map(([name]) => `${route.operationId}.${name}`),
    );

    expect(withBody.length).toBeGreaterThan(5);
    expect(missing.map((route) => route.operationId)).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('render each example in the request body of its operation', () => {
    for (const route of routes.filter((candidate) => candidate.examples)) {
      const media = mustOperation(route.method, route.path).requestBody?.content['application/json'];

      expect(
        Object.fromEntries(Object.entries(media?.examples ?? {}).map(([name, { value }]) => [name, value])),
      ).toEqual(route.examples);
    }
  });

  it('link each creation to what may be called with what it answers', () => {
    const linked = Object.fromEntries(
      operations.map((operation) => [
        operation.operationId,
        Object.values(operation.responses).flatMap((response) =>
          Object.values(response.links ?? {}).map((link) => link.operationId),
        ),
      ]),
    );

    expect(linked).toMatchObject({
      createUser: ['createToken'],
      createToken: ['revokeToken'],
      createAccount: [
        'getAccount',
        'listOperations',
        'getBalanceAt',
        'createDeposit',
        'createPayment',
        'updateAccount',
        'closeAccount',
        'freezeAccount',
        'unfreezeAccount',
      ],
      createPayment: ['getPayment', 'capturePayment', 'voidPayment', 'createRefund'],
      createDeposit: ['getPayment'],
      createWebhook: ['listWebhookDeliveries', 'deleteWebhook'],
    });
  });

  it('name in every link an operation that exists, inputs it takes, and fields the answer or request holds', () => {
    const faults: string[] = [];
    for (const source of operations) {
      for (const [status, response] of Object.entries(source.responses)) {
        for (const [name, link] of Object.entries(response.links ?? {})) {
          const where = `${source.operationId} ${status} ${name}`;
          const target = byId.get(link.operationId);
          if (!target) {
            faults.push(`${where}: no operation ${link.operationId}`);
            continue;
          }
          const inputs = new Set(inlineParameters(target).map((parameter) => parameter.name));
          const body = target.requestBody?.content['application/json']?.schema;
          const expressions = [
            ...Object.entries(link.parameters ?? {}).map(([input, expression]) => {
              if (!inputs.has(input)) faults.push(`${where}: ${link.operationId} takes no parameter ${input}`);
              return expression;
            }),
            ...Object.entries(link.requestBody ?? {}).map(([field, expression]) => {
              const variants = [body, ...((body?.oneOf ?? []) as JsonSchema[])];
              if (!variants.some((variant) => field in ((variant?.properties ?? {}) as Record<string, unknown>)))
                faults.push(`${where}: ${link.operationId} has no body field ${field}`);
              return expression;
            }),
          ];
          for (const expression of expressions) {
            const [, origin, pointer = ''] = /^\$(response\.body|request\.body)(#.*)$/.exec(expression) ?? [];
            const schema =
              origin === 'response.body'
                ? response.content?.['application/json']?.schema
                : source.requestBody?.content['application/json']?.schema;
            if (!origin || !pointsInto(schema, pointer)) faults.push(`${where}: ${expression} names nothing`);
          }
        }
      }
    }

    expect(faults).toEqual([]);
  });
});
