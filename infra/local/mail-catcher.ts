import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as z from 'zod/mini';
import { closeServer, reply } from './helpers';
import type { LocalRoute } from './http-server';

/**
 * The local stand-in for Amazon SES: the npm package `aws-ses-v2-local`, in this process, answers the SES v2 API that
 * the gateway's own SES client calls (through AWS_ENDPOINT_URL_SESV2), keeps every email in memory, never delivers
 * one, and shows them in a browser at `url`. `answer` lists them, newest first, at `GET /local/emails?to=<address>`.
 */
export interface MailCatcher {
  url: string;
  answer: LocalRoute;
  stop(): Promise<void>;
}

// What the catcher's own `GET /store` lists of each email (aws-ses-v2-local's `Email` type).
const storeSchema = z.object({
  emails: z.array(
    z.object({
      destination: z.object({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.object({ text: z.optional(z.string()) }),
      at: z.number(),
    }),
  ),
});

// `aws-ses-v2-local` is CommonJS whose entry point is its `default` export.
const sesLocal = createRequire(import.meta.url)('aws-ses-v2-local') as typeof import('aws-ses-v2-local');

const json = (statusCode: number, body: unknown) =>
  reply(statusCode, 'application/json', JSON.stringify(body), { 'cache-control': 'no-store' });

/** `Ada <ada@example.com>` or `ada@example.com` → `ada@example.com`. */
const plainAddress = (address: string): string => (/<([^>]+)>\s*$/.exec(address)?.[1] ?? address).trim().toLowerCase();

export const startMailCatcher = async (): Promise<MailCatcher> => {
  const server = await sesLocal.default({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const list = async (rawQueryString: string) => {
    const to = new URLSearchParams(rawQueryString).get('to')?.trim().toLowerCase();
    if (!to) return json(400, { message: 'GET /local/emails needs ?to=<address>' });
    const { emails } = z.parse(storeSchema, await (await fetch(`${url}/store`)).json());
    const data = emails
      .filter((email) => email.destination.to.some((address) => plainAddress(address) === to))
      .map((email) => ({
        to,
        subject: email.subject,
        text: email.body.text ?? '',
        sentAt: new Date(email.at * 1000).toISOString(),
      }))
      .reverse();
    return json(200, { data });
  };

  return {
    url,
    answer: (method, rawPath, rawQueryString) =>
      method === 'GET' && rawPath === '/local/emails' ? list(rawQueryString) : undefined,
    stop: () => closeServer(server, 0),
  };
};
