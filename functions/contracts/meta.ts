import * as z from 'zod/mini';
import { route } from '../lib/contract';

const healthSchema = z.object({ status: z.literal('ok') });

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

export const getHealth = route({
  method: 'GET',
  path: '/v1/health',
  function: 'health',
  access: 'public',
  operationId: 'getHealth',
  summary: 'Check health',
  description: 'Answers 200 `{ "status": "ok" }` once the API and every component behind it are ready.',
  tags: ['Meta'],
  success: { status: 200, description: 'The API is ready.', schema: healthSchema },
  errors: [],
});

export const getOpenApiDocument = route({
  method: 'GET',
  path: '/openapi.json',
  function: 'openapi',
  access: 'public',
  operationId: 'getOpenApiDocument',
  summary: 'Get the OpenAPI document',
  description: 'Answers this OpenAPI 3.1 document, generated from the route contracts the handlers validate with.',
  tags: ['Meta'],
  success: { status: 200, description: 'The OpenAPI 3.1 document of this API.', schema: openApiDocumentSchema },
  errors: [],
});
