/// <reference types="postman-collection/types" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as z from 'zod';
import { buildOpenApiDocument } from '../../functions/openapi/document';
import {
  buildCollections,
  COLLECTIONS_DIR,
  FILES,
  MORE_ROUTES,
  POSTMAN_SCHEMA,
  WALK_THROUGH,
} from '../../infra/scripts/collections';

// A CommonJS module whose exports Node cannot name for an ESM import; its types are an ambient module declaration.
const { Collection, Item, ItemGroup } = createRequire(import.meta.url)(
  'postman-collection',
) as typeof import('postman-collection');
const document = buildOpenApiDocument();
const generated = buildCollections(document);
const read = (name: string): unknown => JSON.parse(generated[name] ?? 'null');

// The Postman Collection Format v2.1.0 (its published JSON schema, `definitions`), as far as these collections use it:
// every object is checked whole (strict), so a field the format does not have is an error too.
const variable = z.strictObject({ key: z.string(), value: z.string() });
const postmanScript = z.strictObject({
  listen: z.enum(['test', 'prerequest']),
  script: z.strictObject({ type: z.literal('text/javascript'), exec: z.array(z.string()) }),
});
const postmanAuth = z.union([
  z.strictObject({ type: z.literal('noauth') }),
  z.strictObject({
    type: z.literal('bearer'),
    bearer: z.array(z.strictObject({ key: z.literal('token'), value: z.string(), type: z.literal('string') })),
  }),
]);
const postmanRequest = z.strictObject({
  method: z.enum(['GET', 'PUT', 'POST', 'PATCH', 'DELETE']),
  description: z.string().optional(),
  auth: postmanAuth,
  header: z.array(variable),
  body: z
    .strictObject({
      mode: z.literal('raw'),
      raw: z.string(),
      options: z.strictObject({ raw: z.strictObject({ language: z.literal('json') }) }),
    })
    .optional(),
  url: z.strictObject({
    raw: z.string(),
    host: z.array(z.string()),
    path: z.array(z.string()),
    query: z.array(variable).optional(),
  }),
});
const postmanItem = z.strictObject({
  name: z.string().min(1),
  event: z.array(postmanScript).optional(),
  request: postmanRequest,
});
const postmanCollection = z.strictObject({
  info: z.strictObject({ name: z.string(), description: z.string(), schema: z.literal(POSTMAN_SCHEMA) }),
  item: z.array(z.strictObject({ name: z.string(), item: z.array(postmanItem) })),
});
const postmanEnvironment = z.strictObject({
  id: z.string(),
  name: z.string(),
  values: z.array(
    z.strictObject({ key: z.string(), value: z.string(), type: z.enum(['default', 'secret']), enabled: z.boolean() }),
  ),
  _postman_variable_scope: z.literal('environment'),
});

// Insomnia's export format 4, as Insomnia writes it and its importer reads it.
const insomniaPair = z.strictObject({ name: z.string(), value: z.string() });
const insomniaResource = z.discriminatedUnion('_type', [
  z.strictObject({
    _id: z.string().startsWith('wrk_'),
    _type: z.literal('workspace'),
    parentId: z.null(),
    name: z.string(),
    description: z.string(),
    scope: z.literal('collection'),
  }),
  z.strictObject({
    _id: z.string().startsWith('env_'),
    _type: z.literal('environment'),
    parentId: z.string(),
    name: z.string(),
    data: z.record(z.string(), z.string()),
  }),
  z.strictObject({
    _id: z.string().startsWith('fld_'),
    _type: z.literal('request_group'),
    parentId: z.string(),
    name: z.string(),
    metaSortKey: z.number(),
  }),
  z.strictObject({
    _id: z.string().startsWith('req_'),
    _type: z.literal('request'),
    parentId: z.string(),
    name: z.string(),
    description: z.string(),
    method: z.string(),
    url: z.string().startsWith('{{ _.baseUrl }}/'),
    parameters: z.array(insomniaPair),
    headers: z.array(insomniaPair),
    body: z.union([z.strictObject({}), z.strictObject({ mimeType: z.literal('application/json'), text: z.string() })]),
    authentication: z.union([z.strictObject({}), z.strictObject({ type: z.literal('bearer'), token: z.string() })]),
    metaSortKey: z.number(),
  }),
]);
const insomniaExport = z.strictObject({
  _type: z.literal('export'),
  __export_format: z.literal(4),
  __export_source: z.string(),
  resources: z.array(insomniaResource),
});

const collection = postmanCollection.parse(read(FILES.postman));
const folder = (name: string) => collection.item.find((item) => item.name === name)?.item ?? [];
const items = collection.item.flatMap((item) => item.item);
/** `/v1/accounts/{id}` → `/v1/accounts/{}`, and `{{walletId}}` in a request's path the same way. */
const shape = (path: string) => path.replace(/\{\{?[^}]+\}?\}/g, '{}');
const documentedRoutes = Object.entries(document.paths).flatMap(([path, operations]) =>
  Object.keys(operations).map((method) => `${method.toUpperCase()} ${shape(path)}`),
);
const templates = [...documentedRoutes, 'GET /local/emails'].map((route) => {
  const [method = '', path = ''] = route.split(' ');
  return { route, method, pattern: new RegExp(`^${path.replace(/\{\}/g, '[^/?"]+')}$`) };
});
/** The documented route a request makes: `PUT /v1/admin/rates/USD/JPY` → `PUT /v1/admin/rates/{}/{}`. */
const routeMatching = (method: string, path: string) =>
  templates.find((template) => template.method === method && template.pattern.test(path))?.route ??
  `${method} ${path} (not documented)`;
const routeOf = (item: z.infer<typeof postmanItem>) =>
  routeMatching(item.request.method, `/${item.request.url.path.join('/')}`);

describe('API collections', () => {
  it.each(Object.values(FILES))('%s is what `npm run collections` generates from the OpenAPI document', (name) => {
    const committed = readFileSync(join(COLLECTIONS_DIR, name), 'utf8');

    expect(committed).toBe(generated[name]);
  });

  it('make every route of the OpenAPI document, and none it does not list but the local mail catcher', () => {
    const made = new Set(items.map(routeOf));

    expect(documentedRoutes.filter((route) => !made.has(route))).toEqual([]);
    expect([...made].filter((route) => !documentedRoutes.includes(route))).toEqual(['GET /local/emails']);
  });

  it("follow the README's walk-through in its order", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const walkThrough = readme.slice(readme.indexOf('## Walk-through'), readme.indexOf('### Events and webhooks'));
    const curls = [...walkThrough.matchAll(/curl -s (?:-X (\w+) )?"?\$API(\/[^\s?"]+)/g)].map(([, method, path]) =>
      routeMatching(method ?? 'GET', path ?? ''),
    );
    const walked = folder(WALK_THROUGH).map(routeOf);
    const firstIndex = (route: string) => walked.indexOf(route);

    expect(curls.length).toBeGreaterThan(10);
    expect(curls.filter((route) => firstIndex(route) === -1)).toEqual([]);
    const positions = [...new Set(curls)].map(firstIndex);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('give every request that takes a body a JSON example body', () => {
    const needBody = items.filter((item) => {
      const route = routeOf(item);
      const path = Object.keys(document.paths).find((p) => `${item.request.method} ${shape(p)}` === route);
      const method = item.request.method.toLowerCase() as 'post';
      return path !== undefined && document.paths[path]?.[method]?.requestBody !== undefined;
    });

    expect(needBody.length).toBeGreaterThan(10);
    for (const item of needBody) {
      expect({ name: item.name, body: JSON.parse(item.request.body?.raw ?? 'null') as unknown }).toEqual({
        name: item.name,
        body: expect.any(Object) as unknown,
      });
    }
  });

  it('assert every answer of the walk-through, and only the walk-through runs as a client (newman in CI)', () => {
    const walked = folder(WALK_THROUGH);

    expect(walked.length).toBeGreaterThan(20);
    for (const item of walked) {
      const tests = item.event?.find((event) => event.listen === 'test')?.script.exec.join('\n') ?? '';
      expect({ name: item.name, asserts: /pm\.response\.to\.have\.status\(\d{3}\)/.test(tests) }).toEqual({
        name: item.name,
        asserts: true,
      });
    }
    expect(collection.item.map((item) => item.name)).toEqual([WALK_THROUGH, MORE_ROUTES]);
  });

  it('is a Postman v2.1 collection that the Postman SDK (newman’s own reader) reads request for request', () => {
    const sdk = new Collection(read(FILES.postman) as ConstructorParameters<typeof Collection>[0]);
    const requestsOf = (group: InstanceType<typeof ItemGroup>): string[] =>
      (group.items.all() as unknown[]).flatMap((entry) =>
        entry instanceof ItemGroup
          ? requestsOf(entry)
          : entry instanceof Item
            ? [`${entry.name}: ${entry.request.method} ${String(entry.request.url.getPathWithQuery())}`]
            : [],
      );
    const readBack = requestsOf(sdk);

    expect(readBack).toEqual(
      items.map((item) => {
        const search = (item.request.url.query ?? []).map(({ key, value }) => `${key}=${value}`).join('&');
        return `${item.name}: ${item.request.method} /${item.request.url.path.join('/')}${search ? `?${search}` : ''}`;
      }),
    );
  });

  it('come with a Postman environment holding the base URL and the tokens, the secrets marked secret', () => {
    const environment = postmanEnvironment.parse(read(FILES.environment));
    const value = (key: string) => environment.values.find((entry) => entry.key === key);

    expect(value('baseUrl')).toMatchObject({ value: 'http://127.0.0.1:3000', type: 'default' });
    expect(value('token')).toMatchObject({ type: 'secret' });
    expect(value('adminToken')).toMatchObject({ type: 'secret' });
  });

  it('are an Insomnia export of format 4 whose every resource hangs off the workspace, in the same order', () => {
    const exported = insomniaExport.parse(read(FILES.insomnia));
    const ids = new Set(exported.resources.map((resource) => resource._id));
    const requests = exported.resources.filter((resource) => resource._type === 'request');

    expect(exported.resources.filter((resource) => resource._type === 'workspace')).toHaveLength(1);
    const parents = exported.resources.flatMap((resource) => (resource.parentId === null ? [] : [resource.parentId]));
    expect(parents.filter((parent) => !ids.has(parent))).toEqual([]);
    expect(requests.map((request) => request.name)).toEqual(items.map((item) => item.name));
    expect(requests.find((request) => request.name === 'Open a USD wallet')).toMatchObject({
      method: 'POST',
      url: '{{ _.baseUrl }}/v1/accounts',
      authentication: { type: 'bearer', token: '{{ _.token }}' },
    });
  });
});
