/**
 * The OpenAPI 3.1 document of the API, generated from the route contracts (`functions/contracts/`), the very objects
 * the handlers validate with: request schemas are their zod validators converted to JSON Schema 2020-12 (the dialect
 * of OpenAPI 3.1), so what the document promises is what the API checks.
 */
import * as z from 'zod/mini';
import { SUPPORTED_CURRENCIES } from '../../shared/money/currencies';
import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { amountSchema, currencySchema, isoTimestampSchema, limitSchema } from '../../shared/schemas/common';
import { errorsOf, type RouteContract, type Tag } from '../lib/contract';
import { PROBLEM_TYPE_BASE } from '../lib/problem';
import { routes } from '../manifest';
import { type ErrorCode, errorExample, errorHeaders } from './errors';

export type JsonSchema = Record<string, unknown>;

export interface Reference {
  $ref: string;
}

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  description?: string;
  /** Only on object parameters, sent as `name[key]=value` (see functions/lib/query-string.ts). */
  style?: 'deepObject';
  explode?: true;
  schema: JsonSchema;
}

export interface MediaType {
  schema: JsonSchema;
  examples?: Record<string, { summary: string; value: unknown }>;
}

export interface LinkObject {
  operationId: string;
  description: string;
  parameters?: Record<string, string>;
  requestBody?: Record<string, string>;
}

export interface Response {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, MediaType>;
  links?: Record<string, LinkObject>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters?: (Parameter | Reference)[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  security: Record<string, string[]>[];
}

export type HttpMethod = Lowercase<RouteContract['method']>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, Parameter>;
  };
}

export const PROBLEM_REF = '#/components/schemas/Problem';
export const CURRENCY_REF = '#/components/schemas/Currency';
export const IDEMPOTENCY_KEY_REF = '#/components/parameters/IdempotencyKey';

const TIMESTAMP_FIELDS = new Set(['createdAt', 'updatedAt', 'lastUsedAt', 'completedAt', 'expiresAt', 'at']);

/** zod's `override` hook works by mutating the schema it generated, in place. */
const replaceWith = (target: JsonSchema, next: JsonSchema): void => {
  for (const key of Object.keys(target)) Reflect.deleteProperty(target, key);
  Object.assign(target, next);
};

/**
 * Query strings are strings on the wire; the limit is documented as the integer it is parsed into (its pipe's
 * output), with the default the handlers apply.
 */
const limitParameterSchema = (): JsonSchema => {
  const json: JsonSchema = z.toJSONSchema(limitSchema, { io: 'output' });
  delete json.$schema;
  return { ...json, default: DEFAULT_PAGE_SIZE };
};

const amountDescription =
  'A positive integer in the minor unit of the currency, with the exponent ISO 4217 gives it (cents for USD, yen ' +
  'for JPY, fils for BHD); at most 2^53-1.';

/** Enriches the generated schemas where zod alone cannot say what the contract means. */
const override =
  (io: 'input' | 'output') =>
  ({ zodSchema, jsonSchema, path }: { zodSchema: unknown; jsonSchema: JsonSchema; path: (string | number)[] }) => {
    const key = path.at(-2) === 'properties' ? path.at(-1) : undefined;
    if (zodSchema === currencySchema || (io === 'output' && key === 'currency' && jsonSchema.type === 'string')) {
      replaceWith(jsonSchema, { $ref: CURRENCY_REF });
    } else if (zodSchema === limitSchema) {
      replaceWith(jsonSchema, limitParameterSchema());
    } else if (zodSchema === isoTimestampSchema) {
      jsonSchema.format = 'date-time';
      jsonSchema.description ??= 'An RFC 3339 date-time from 1970 on, with seconds, e.g. `2026-11-27T15:04:05Z`.';
    } else if (zodSchema === amountSchema) {
      jsonSchema.description ??= amountDescription;
    } else if (typeof key === 'string' && TIMESTAMP_FIELDS.has(key) && jsonSchema.type === 'string') {
      jsonSchema.format ??= 'date-time';
    }
  };

/**
 * One zod schema as an embeddable JSON Schema 2020-12: requests as the input they accept, responses as the output
 * they produce.
 */
export const toJsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema => {
  const json: JsonSchema = z.toJSONSchema(schema, { target: 'draft-2020-12', io, override: override(io) });
  delete json.$schema;
  // `#/$defs/...` would resolve against the OpenAPI document, not this schema: keep every schema inline.
  if ('$defs' in json) throw new Error('A documented schema must not use $defs (a recursive or `id`-tagged schema).');
  return json;
};

const propertiesOf = (schema: JsonSchema): { properties: Record<string, JsonSchema>; required: Set<string> } => ({
  properties: (schema.properties ?? {}) as Record<string, JsonSchema>,
  required: new Set((schema.required ?? []) as string[]),
});

const queryDescriptions: Readonly<Record<string, string>> = {
  limit: `The page size, from 1 to 100; ${DEFAULT_PAGE_SIZE} by default.`,
  cursor:
    'The `nextCursor` of the previous page, to read the next one; omit it for the first page. Opaque: send it back ' +
    'as received, with the same `sort` and filters.',
  sort: 'The field to sort by; prefix it with `-` for descending order. Ties are broken by id.',
};

const describe = (description: string | undefined) => (description === undefined ? {} : { description });

const queryParameters = (contract: RouteContract): Parameter[] => {
  if (!contract.query) return [];
  const { properties, required } = propertiesOf(toJsonSchema(contract.query, 'input'));
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...describe(contract.queryDescriptions?.[name] ?? queryDescriptions[name]),
    // An object travels as one `name[key]=value` parameter per property, which the handler factory groups again.
    ...(schema.type === 'object' ? { style: 'deepObject' as const, explode: true as const } : {}),
    schema,
  }));
};

const pathParameters = (route: RouteContract): Parameter[] => {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
  const { properties } = propertiesOf(route.params ? toJsonSchema(route.params, 'input') : {});
  const declared = Object.keys(properties);
  if (names.length !== declared.length || names.some((name) => !declared.includes(name))) {
    throw new Error(
      `${route.method} ${route.path}: the params schema declares [${declared.join(', ')}], the path [${names.join(', ')}]`,
    );
  }
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    ...describe(route.paramDescriptions?.[name]),
    schema: properties[name] ?? {},
  }));
};

/** What each response header an error may carry means; every header an error sets must be described here. */
const errorHeaderDocs: Readonly<Record<string, { name: string; description: string; schema: JsonSchema }>> = {
  'retry-after': {
    name: 'Retry-After',
    description: 'The seconds to wait before trying again.',
    schema: { type: 'integer', minimum: 1 },
  },
};

const headersOf = (codes: readonly ErrorCode[]) => {
  const names = [...new Set(codes.flatMap((code) => Object.keys(errorHeaders(code))))];
  if (names.length === 0) return {};
  return {
    headers: Object.fromEntries(
      names.map((name) => {
        const doc = errorHeaderDocs[name];
        if (!doc) throw new Error(`The error header ${name} is not documented`);
        return [doc.name, { description: doc.description, schema: doc.schema }];
      }),
    ),
  };
};

const joinCodes = (codes: readonly string[]) =>
  codes.length < 2 ? codes.join('') : `${codes.slice(0, -1).join(', ')} or ${codes.at(-1) ?? ''}`;

/** One problem+json response per status, listing the codes it carries, each with an example. */
const errorResponses = (codes: readonly ErrorCode[]): Record<string, Response> => {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = errorExample(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, statusCodes]) => [
        String(status),
        {
          description: `${joinCodes(statusCodes.map((code) => `\`${code}\` (${errorExample(code).title})`))}.`,
          ...headersOf(statusCodes),
          content: {
            'application/problem+json': {
              schema: { $ref: PROBLEM_REF },
              examples: Object.fromEntries(
                statusCodes.map((code) => {
                  const example = errorExample(code);
                  return [code, { summary: example.title, value: example }];
                }),
              ),
            },
          },
        },
      ]),
  );
};

/** `{ signUp: {...} }` → `{ signUp: { summary: 'sign up', value: {...} } }`. */
const examplesOf = (examples: Readonly<Record<string, unknown>>): MediaType['examples'] =>
  Object.fromEntries(
    Object.entries(examples).map(([name, value]) => [
      name,
      { summary: name.replace(/([A-Z])/g, ' $1').toLowerCase(), value },
    ]),
  );

/** The contract's links, as OpenAPI Link objects on its success response. */
const linksOf = (contract: RouteContract): Pick<Response, 'links'> =>
  contract.links
    ? {
        links: Object.fromEntries(
          Object.entries(contract.links).map(([name, { operationId, description, parameters, body }]) => [
            name,
            {
              operationId,
              description,
              ...(parameters ? { parameters: { ...parameters } } : {}),
              ...(body ? { requestBody: { ...body } } : {}),
            },
          ]),
        ),
      }
    : {};

const toOperation = (contract: RouteContract): Operation => {
  const parameters: (Parameter | Reference)[] = [
    ...(contract.idempotent ? [{ $ref: IDEMPOTENCY_KEY_REF }] : []),
    ...pathParameters(contract),
    ...queryParameters(contract),
  ];
  const { status, description, schema } = contract.success;
  return {
    operationId: contract.operationId,
    summary: contract.summary,
    description: contract.description,
    tags: [...contract.tags],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(contract.body
      ? {
          requestBody: {
            // A request without a body is read as `{}`: the body is optional exactly where `{}` is a valid one.
            required: !contract.body.safeParse({}).success,
            content: {
              'application/json': {
                schema: toJsonSchema(contract.body, 'input'),
                ...(contract.examples ? { examples: examplesOf(contract.examples) } : {}),
              },
            },
          },
        }
      : {}),
    responses: {
      [String(status)]: {
        description,
        ...(schema ? { content: { 'application/json': { schema: toJsonSchema(schema, 'output') } } } : {}),
        ...linksOf(contract),
      },
      ...errorResponses([...errorsOf(contract), 'internal_error']),
    },
    security: contract.access === 'public' ? [] : [{ bearer: [] }],
  };
};

const conventions = `A multi-currency, double-entry billing gateway.

- **Money**: \`amount\` is a positive JSON integer in the minor unit of its currency, with the exponent ISO 4217 gives
  it (cents for USD, yen for JPY, fils for BHD), at most 2^53-1. Zero, negative, fractional or string amounts are a 400.
  \`currency\` is an upper-case ISO 4217 alphabetic code; a code the gateway does not support is a 400
  \`unsupported_currency\`.
- **Auth**: \`Authorization: Bearer <token>\`, with a token from \`POST /v1/users\` or \`POST /v1/tokens\`. A missing or bad
  token is a 401 \`unauthorized\`; a valid token without the role is a 403 \`forbidden\`. A resource that is not the
  caller's is a 404 \`not_found\`, never a 403.
- **Errors**: RFC 9457 problem details, \`Content-Type: application/problem+json\`, with a stable snake_case \`code\` to
  branch on. A malformed JSON body is a 400 \`invalid_json\`; a schema violation is a 400 \`validation_error\` with one
  entry per offending field in \`errors\`. Unknown body fields and unknown query parameters are violations too.
- **Lists**: collection endpoints take \`limit\` (1 to 100, default ${DEFAULT_PAGE_SIZE}), \`cursor\` (opaque: the \`nextCursor\`
  of the previous page), \`sort\` (a field name, \`-\` prefix for descending) and filters, and answer
  \`{ "data": [...], "nextCursor": string | null }\`; \`nextCursor\` is null on the last page. An unknown filter, sort
  field or a bad cursor is a 400.
- **Idempotency**: send an \`Idempotency-Key\` header (1 to 255 printable characters, scoped per user) with every POST
  that moves money, so that a retry can never move it twice. The same key with the same body answers the original
  result for at least 24 hours; the same key with a different body is a 422 \`idempotency_key_reused\`. A deposit is
  idempotent on its bank \`reference\` as well, for ever.
- **Formats**: JSON bodies with camelCase fields; timestamps are ISO 8601 UTC strings; ids are opaque strings.`;

const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details: the body of every error. Never carries a stack trace or an internal message.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: `A URI naming the kind of problem: \`${PROBLEM_TYPE_BASE}<code>\`.`,
    },
    title: { type: 'string', description: 'A short summary of the kind of problem.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code.' },
    detail: { type: 'string', description: 'What went wrong with this request, for humans.' },
    code: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]*$',
      description: 'A stable snake_case error code, for programs.',
    },
    errors: {
      type: 'array',
      description: 'One entry per offending field, on `validation_error` and `unsupported_currency`.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'The dot-separated path of the field, e.g. `destination.reference`.' },
          message: { type: 'string', description: 'What is wrong with the field.' },
        },
      },
    },
  },
};

const currencyComponent: JsonSchema = {
  type: 'string',
  pattern: '^[A-Z]{3}$',
  enum: [...SUPPORTED_CURRENCIES],
  description:
    'An upper-case ISO 4217 alphabetic code. Any other string is a 400 `unsupported_currency` in a request. Codes ' +
    'without a minor unit (precious metals, XDR…) and withdrawn codes are not supported.',
  examples: ['USD'],
};

const idempotencyKeyParameter: Parameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A key of your choice, unique per money movement (a UUID works), scoped per user. Retrying with the same key ' +
    'and body answers the original result for at least 24 hours; the same key with another body is a 422 ' +
    '`idempotency_key_reused`.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
};

export const tagDescriptions: Readonly<Record<Tag, string>> = {
  Meta: 'Health and description of the API itself.',
  Users: 'Sign-up and the calling user.',
  Tokens: 'API tokens: issue, list and revoke the bearer tokens that authenticate every other call.',
  Accounts: 'Wallets holding a balance in one currency, and their operations.',
  Payments: 'Money movements, accepted at once and processed in the background.',
  Events: 'What happened to payments, as a log to read and as webhooks delivered to integrators.',
  Admin: 'Operator endpoints; they require a token of a user with the `admin` role.',
};

/** The whole document, from route contracts. Pure: build it once per process (see the handler) and serve that. */
export const buildOpenApiDocument = (contracts: readonly RouteContract[] = routes): OpenApiDocument => {
  const paths: OpenApiDocument['paths'] = {};
  for (const contract of contracts) {
    (paths[contract.path] ??= {})[contract.method.toLowerCase() as HttpMethod] = toOperation(contract);
  }
  const used = new Set(contracts.flatMap((contract) => contract.tags));
  return {
    openapi: '3.1.0',
    info: { title: 'Billing gateway API', version: '1.0.0', description: conventions },
    servers: [{ url: '/' }],
    tags: Object.entries(tagDescriptions)
      .filter(([name]) => used.has(name as Tag))
      .map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token from `POST /v1/users` or `POST /v1/tokens`.',
        },
      },
      schemas: { Problem: problemSchema, Currency: currencyComponent },
      parameters: { IdempotencyKey: idempotencyKeyParameter },
    },
  };
};
