/**
 * The served OpenAPI document, read once: the payment filters are built from its query parameters, so a filter the
 * API gains appears in the console without a change here.
 */
interface Schema {
  type?: string;
  enum?: string[];
  format?: string;
  pattern?: string;
  $ref?: string;
}

export interface QueryParameter {
  name: string;
  description: string;
  schema: Schema;
}

interface Document {
  paths: Record<
    string,
    Record<string, { parameters?: { name?: string; in?: string; description?: string; schema?: Schema }[] }>
  >;
  components: { schemas: Record<string, Schema> };
}

let loaded: Promise<Document> | undefined;

const documentOnce = (): Promise<Document> =>
  (loaded ??= fetch('/openapi.json').then((response) => {
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return response.json() as Promise<Document>;
  }));

const resolve = (document: Document, schema: Schema = {}): Schema =>
  schema.$ref === undefined ? schema : (document.components.schemas[schema.$ref.split('/').at(-1) ?? ''] ?? {});

/** The filters and sort of a list: its query parameters less the paging ones, with `$ref`s resolved. */
export const queryParametersOf = async (path: string, method = 'get'): Promise<QueryParameter[]> => {
  const document = await documentOnce();
  return (document.paths[path]?.[method]?.parameters ?? [])
    .filter((parameter) => parameter.in === 'query' && parameter.name !== undefined)
    .filter((parameter) => parameter.name !== 'limit' && parameter.name !== 'cursor')
    .map((parameter) => ({
      name: parameter.name ?? '',
      description: parameter.description ?? '',
      schema: resolve(document, parameter.schema),
    }));
};

/** The currencies the gateway supports. */
export const currencies = async (): Promise<string[]> => (await documentOnce()).components.schemas.Currency?.enum ?? [];
