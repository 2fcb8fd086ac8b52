import type { ChildProcess } from 'node:child_process';
import { once as nextEvent } from 'node:events';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';

/** The small pieces every part of the local stack shares: guards, decoding, and the plumbing of node's servers. */

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The message of an error on one line, for logs. */
export const describeError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replace(/\s*\n\s*/g, ' ');

/** `work` run on the first call only, every later call answering the same promise: the `stop()` of each component. */
export const once = <T>(work: () => Promise<T>): (() => Promise<T>) => {
  let running: Promise<T> | undefined;
  return () => (running ??= work());
};

export class BodyTooLarge extends Error {}

/** A request's body; past `limit` bytes it is drained rather than kept and the promise rejects with BodyTooLarge. */
export const readBody = async (request: IncomingMessage, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new BodyTooLarge();
  return Buffer.concat(chunks);
};

export interface Answer {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** An answer with its content type, and any other headers. */
export const reply = (statusCode: number, type: string, body: string | Buffer, headers = {}): Required<Answer> => ({
  statusCode,
  headers: { 'content-type': type, ...headers },
  body,
});

/** Writes a whole answer, with its length. */
export const respond = (response: ServerResponse, answer: Answer): void => {
  const body = answer.body ?? '';
  response.writeHead(answer.statusCode, { ...answer.headers, 'content-length': Buffer.byteLength(body) }).end(body);
};

/** Listens on `port` (0 for a free one); answers the port and the `host:port` clients use, an IPv6 host bracketed. */
export const listen = async (
  server: Server,
  port: number,
  host: string,
): Promise<{ port: number; authority: string }> => {
  // Rejects if the server fails to bind: an 'error' before 'listening' rejects the wait.
  await nextEvent(server.listen(port, host), 'listening');
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, authority: `${host.includes(':') ? `[${host}]` : host}:${bound}` };
};

/** A port free right now; another process may still take it before it is used, which is fine for local use. */
export const findFreePort = async (host = '127.0.0.1'): Promise<number> => {
  const server = createServer();
  const { port } = await listen(server, 0, host);
  await new Promise((resolve) => server.close(resolve));
  return port;
};

/** Closes a server: requests in flight get `graceMs`, then every connection is cut (idle keep-alives would hold it). */
export const closeServer = async (server: HttpServer, graceMs = 5_000): Promise<void> => {
  const force = setTimeout(server.closeAllConnections.bind(server), graceMs);
  const closed = promisify(server.close.bind(server))();
  server.closeIdleConnections();
  await closed.finally(clearTimeout.bind(null, force));
};

/** What a child process printed last (read throughout, since a full pipe would stall it), and a failed spawn. */
export const watch = (child: ChildProcess, limit = 16 * 1024) => {
  const watched: { output: string; spawnError?: NodeJS.ErrnoException; tail(name: string): string } = {
    output: '',
    /** The output, under a heading, for an error message. */
    tail: (name) => (watched.output.trim() === '' ? '' : `\n--- ${name} output ---\n${watched.output.trim()}`),
  };
  const collect = (chunk: Buffer) => {
    watched.output = (watched.output + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.once('error', (error) => {
    watched.spawnError = error;
  });
  return watched;
};

export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** Settles once a child process has ended (at once if it has), with its exit code or signal. */
export const exitOf = async (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
  if (!hasExited(child)) await new Promise((resolve) => child.once('exit', resolve));
  return { code: child.exitCode, signal: child.signalCode };
};
