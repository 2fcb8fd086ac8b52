import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { findFreePort } from '../../infra/local/helpers';

/** One POST a receiver got, as an integrator's endpoint sees it. */
export interface Receipt {
  /** `webhook-id`: the event id. */
  id: string;
  /** Whether `standardwebhooks` accepted the signature with the endpoint's secret. */
  verified: boolean;
  /** The event, as the body carried it. */
  event: { id: string; type: string; createdAt: string; data: { payment: Record<string, unknown> } };
  receivedAt: number;
  /** What the receiver answered. */
  status: number;
}

export interface ReceiverOptions {
  /** How the receiver answers its n-th request (1 for the first): a status, after an optional delay. */
  answer?: (n: number) => { status: number; delayMs?: number };
  /** Start listening at once (the default), or only when `listen()` is called: until then, nobody answers. */
  listening?: boolean;
}

export interface Receiver {
  url: string;
  receipts: Receipt[];
  /** The secret answered when the endpoint was registered, which the receiver verifies signatures with. */
  secret: string | undefined;
  listen(): Promise<void>;
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks` library, the way an
 * integrator would, and records what it got.
 */
export const startReceiver = async (options: ReceiverOptions = {}): Promise<Receiver> => {
  const port = await findFreePort();
  const answer: NonNullable<ReceiverOptions['answer']> = options.answer ?? (() => ({ status: 204 }));
  let requests = 0;
  let server: Server | undefined;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    receipts: [],
    secret: undefined,
    listen: () =>
      new Promise((resolve, reject) => {
        server = createServer((request: IncomingMessage, response: ServerResponse) => {
          void (async () => {
            const receivedAt = Date.now();
            const body = await readBody(request);
            const headers = Object.fromEntries(
              Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
            );
            let verified: boolean;
            try {
              new Webhook(receiver.secret ?? 'whsec_AAAA').verify(body, headers);
              verified = true;
            } catch {
              verified = false;
            }
            const { status, delayMs = 0 } = answer(++requests);
            if (delayMs > 0) await sleep(delayMs);
            receiver.receipts.push({
              id: headers['webhook-id'] ?? '',
              verified,
              event: JSON.parse(body) as Receipt['event'],
              receivedAt,
              status,
            });
            response.writeHead(status).end();
          })();
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server) {
          resolve();
          return;
        }
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  if (options.listening ?? true) await receiver.listen();
  return receiver;
};
