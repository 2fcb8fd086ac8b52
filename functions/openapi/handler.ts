import { getOpenApiDocument } from '../contracts/meta';
import { httpHandler } from '../lib/http';
import { buildOpenApiDocument } from './document';

// Built once per Lambda container, at init: every request serves the same document.
const document = buildOpenApiDocument();

export const handler = httpHandler(getOpenApiDocument, () => Promise.resolve(document));
