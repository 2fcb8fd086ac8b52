import * as z from 'zod/mini';
import type { Clock } from '../clock';
import type { PaymentEvent } from '../events/model';
import { viewersOf } from '../payments/model';
import type { EventStore } from '../events/ports';
import { eventsSince } from '../events/service';
import type { PaymentStore } from '../payments/ports';
import { isLive, type Principal } from '../users/model';
import type { TokenStore } from '../users/ports';
import { type Connection, eventMessage, type ServerMessage } from './model';
import type { ConnectionStore, Pusher } from './ports';
import { paymentView } from '../views';

export interface RealtimeDeps {
  connections: ConnectionStore;
  tokens: Pick<TokenStore, 'findById'>;
  payments: Pick<PaymentStore, 'findById'>;
  /** What a client that resumes missed: the event log. */
  events: Pick<EventStore, 'page'>;
  pusher: Pusher;
  clock: Clock;
}

// API Gateway closes every WebSocket connection after two hours; an hour more covers a lost `$disconnect`.
const CONNECTION_TTL_SECONDS = 3 * 60 * 60;

export const openConnection = async (
  deps: Pick<RealtimeDeps, 'connections' | 'clock'>,
  connectionId: string,
  principal: Pick<Principal, 'userId' | 'tokenId'>,
): Promise<Connection> => {
  const now = deps.clock();
  const connection: Connection = {
    connectionId,
    userId: principal.userId,
    tokenId: principal.tokenId,
    connectedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS,
  };
  await deps.connections.put(connection);
  return connection;
};

export const closeConnection = (deps: Pick<RealtimeDeps, 'connections'>, connectionId: string): Promise<void> =>
  deps.connections.delete(connectionId);

/** A connection is served while the token it was opened with is live; revoked or expired, it hears nothing more. */
const isServed = async (deps: Pick<RealtimeDeps, 'tokens' | 'clock'>, connection: Connection | undefined) =>
  connection !== undefined && isLive(await deps.tokens.findById(connection.tokenId), deps.clock());

const drop = async (deps: Pick<RealtimeDeps, 'connections' | 'pusher'>, connectionId: string) => {
  await deps.pusher.disconnect(connectionId);
  await deps.connections.delete(connectionId);
};

/** Closes every connection opened with one of these (revoked) tokens. */
export const closeConnectionsOf = async (
  deps: Pick<RealtimeDeps, 'connections' | 'pusher'>,
  tokenIds: readonly string[],
): Promise<void> => {
  const ids = (await Promise.all(tokenIds.map((tokenId) => deps.connections.listByToken(tokenId)))).flat();
  await Promise.all(ids.map((connectionId) => drop(deps, connectionId)));
};

const clientMessage = z.object({ action: z.string() });
const subscribeMessage = z.object({
  action: z.literal('subscribe'),
  paymentId: z.string().check(z.minLength(1), z.maxLength(128)),
});

const resumeMessage = z.object({
  action: z.literal('resume'),
  after: z.string().check(z.regex(/^evt_[0-9a-z]{26}$/)),
});

const error = (code: string, message: string): ServerMessage => ({ type: 'error', code, message });

/**
 * Pushes down one connection, in order, every event its user may see after `after`, as far back as events are kept,
 * each as a live push would carry it; the client deduplicates on the event id the few a live push may also bring.
 */
const replay = async (
  deps: Pick<RealtimeDeps, 'events' | 'pusher'>,
  connection: Connection,
  after: string,
): Promise<void> => {
  for await (const events of eventsSince(deps, connection.userId, after)) {
    for (const event of events) {
      if ((await deps.pusher.push(connection.connectionId, eventMessage(event))) === 'gone') return;
    }
  }
};

/**
 * Answers one message from a client, or pushes what it asked for. `subscribe` answers the payment's current state, so
 * a payment that finished before the socket opened is never missed; `resume` pushes every event missed since the one
 * named, in order, and answers nothing more; anything else answers an error, and the connection stays open.
 */
export const handleClientMessage = async (
  deps: Pick<RealtimeDeps, 'connections' | 'payments' | 'events' | 'pusher' | 'tokens' | 'clock'>,
  connectionId: string,
  body: string | undefined,
): Promise<ServerMessage | undefined> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return error('invalid_json', 'Messages are JSON objects such as {"action":"subscribe","paymentId":"pay_…"}.');
  }
  const envelope = clientMessage.safeParse(parsed);
  if (!envelope.success) return error('validation_error', 'A message needs an "action".');
  if (envelope.data.action === 'resume') {
    const resume = resumeMessage.safeParse(parsed);
    if (!resume.success) return error('validation_error', '"resume" needs "after": an event id (evt_…).');
    const connection = await deps.connections.find(connectionId);
    if (!connection || !(await isServed(deps, connection)))
      return error('unauthorized', 'This connection is not known; connect again with a token.');
    await replay(deps, connection, resume.data.after);
    return undefined;
  }
  if (envelope.data.action !== 'subscribe')
    return error(
      'unknown_action',
      `Unknown action '${envelope.data.action}'; the actions are "subscribe" and "resume".`,
    );
  const subscribe = subscribeMessage.safeParse(parsed);
  if (!subscribe.success) return error('validation_error', '"subscribe" needs a "paymentId".');

  const connection = await deps.connections.find(connectionId);
  if (!connection || !(await isServed(deps, connection)))
    return error('unauthorized', 'This connection is not known; connect again with a token.');
  const payment = await deps.payments.findById(subscribe.data.paymentId);
  // Another user's payment is as absent as a payment that does not exist.
  if (!payment || !viewersOf(payment).includes(connection.userId)) {
    return error('not_found', `No such payment: '${subscribe.data.paymentId}'.`);
  }
  return { type: 'subscribed', payment: paymentView(payment) };
};

/**
 * Pushes an event to every open connection of the users who may see its payment, and to nobody else. A connection
 * API Gateway no longer knows is forgotten; any other failure is thrown, so that the stream delivers the record again.
 */
export const notifyEvent = async (
  deps: Pick<RealtimeDeps, 'connections' | 'pusher' | 'tokens' | 'clock'>,
  event: PaymentEvent,
): Promise<{ sent: number; gone: number }> => {
  const message = eventMessage(event);
  const connectionIds = (
    await Promise.all(viewersOf(event.payment).map((userId) => deps.connections.listByUser(userId)))
  ).flat();
  const results = await Promise.all(
    connectionIds.map(async (connectionId) => {
      if (!(await isServed(deps, await deps.connections.find(connectionId)))) {
        await drop(deps, connectionId);
        return 'gone';
      }
      const result = await deps.pusher.push(connectionId, message);
      if (result === 'gone') await deps.connections.delete(connectionId);
      return result;
    }),
  );
  return { sent: results.filter((r) => r === 'sent').length, gone: results.filter((r) => r === 'gone').length };
};
