import { lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { WebhookSender } from '../webhooks/ports';
import { isAllowedAddress, isLoopbackHost, type UrlPolicy } from '../webhooks/url';

// A receiver's answer body is read only to free the socket; nothing past this is kept.
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Resolves a receiver's name and refuses it unless every address it resolves to is allowed; the connection is then made
 * to the address checked here, so DNS cannot hand a public name a private address between the check and the connect.
 */
const checkedLookup =
  (policy: UrlPolicy): LookupFunction =>
  (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const refused = addresses.find((entry) => !isAllowedAddress(entry.address, policy));
      const chosen = addresses[0];
      if (refused || !chosen) {
        const reason = refused
          ? `${hostname} resolves to ${refused.address}, which webhooks may not reach`
          : 'no address';
        callback(Object.assign(new Error(reason), { code: 'EADDRNOTALLOWED' }), '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, chosen.address, chosen.family);
    });
  };

/**
 * POSTs a webhook over HTTP(S) with Node's own client: the whole exchange within `timeoutMs`, no redirects followed
 * (a redirect is an answer other than 2xx), and only the addresses the policy allows.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly policy: UrlPolicy) {}

  post(
    url: string,
    { headers, body, timeoutMs }: { headers: Record<string, string>; body: string; timeoutMs: number },
  ): Promise<{ statusCode?: number; error?: string }> {
    const target = new URL(url);
    if (this.policy.loopbackOnly && !isLoopbackHost(target.hostname)) {
      return Promise.resolve({
        error: `${target.hostname} is not on this machine, the only one this stack delivers to`,
      });
    }
    // An address in the URL itself is never looked up: it is checked here instead.
    const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(literal) !== 0 && !isAllowedAddress(literal, this.policy)) {
      return Promise.resolve({ error: `${literal} is an address webhooks may not reach` });
    }
    return new Promise((resolve) => {
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const payload = Buffer.from(body);
      const request = send(
        target,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(payload.length),
            'user-agent': 'billing-gateway-webhooks/1',
          },
          lookup: checkedLookup(this.policy),
          signal: AbortSignal.timeout(timeoutMs),
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) response.destroy();
          });
          const answered = () => {
            resolve({ statusCode: response.statusCode });
          };
          response.on('end', answered);
          response.on('close', answered);
          response.on('error', answered);
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
        resolve({
          error: timedOut ? `No answer within ${timeoutMs / 1000} s.` : `${error.code ?? error.name}: ${error.message}`,
        });
      });
      request.end(payload);
    });
  }
}
