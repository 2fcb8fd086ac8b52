import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reply } from './helpers';
import type { LocalRoute } from './http-server';

// `npm run console:build` writes the operator console here; `npm start` builds it first.
const BUILT = fileURLToPath(new URL('../../dist/console/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const answer = (statusCode: number, type: string, body: string | Buffer, extra = {}) =>
  reply(statusCode, type, body, { 'cache-control': 'no-cache', ...extra });

const file = async (path: string) => {
  const name = normalize(path === '' ? 'index.html' : path);
  const type = TYPES[extname(name)];
  if (name.startsWith('..') || type === undefined) return answer(404, 'text/plain', 'Not found');
  try {
    return answer(200, type, await readFile(join(BUILT, name)));
  } catch {
    return answer(404, 'text/plain', `Not found: ${name} (has \`npm run console:build\` run?)`);
  }
};

/** The operator console at `/console/`, on the API's origin (as CloudFront serves it on AWS), and its config. */
export const consoleRoute =
  (config: { websocketUrl: string }): LocalRoute =>
  (method, rawPath) => {
    if (method !== 'GET' || !(rawPath === '/console' || rawPath.startsWith('/console/'))) return undefined;
    if (rawPath === '/console') return Promise.resolve(answer(301, 'text/plain', '', { location: '/console/' }));
    const path = decodeURIComponent(rawPath.slice('/console/'.length));
    if (path === 'config.json') return Promise.resolve(answer(200, 'application/json', JSON.stringify(config)));
    return file(path);
  };
