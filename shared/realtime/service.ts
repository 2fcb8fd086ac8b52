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
  tokens: Pick<TokenStore, 'findById' | 'findMany'>;
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

/** The open connections of some users, as a push finds them. */
export interface Audience {
  /** Each user's connections whose token is live, by user id. */
  served: Map<string, string[]>;
  /** Listed connections that are gone, or whose token was revoked or expired: they hear nothing. */
  unserved: string[];
}

/** The connections each of these users has open, by user id: one query per user, all at once. */
export const listConnections = async (
  deps: Pick<RealtimeDeps, 'connections'>,
  userIds: readonly string[],
): Promise<Map<string, string[]>> =>
  new Map(
    await Promise.all(
      [...new Set(userIds)].map(async (userId) => [userId, await deps.connections.listByUser(userId)] as const),
    ),
  );

/**
 * Which listed connections are served: the connections and the tokens they were opened with, each read in one batch
 * (a connection is served while its token is live).
 */
export const servedAmong = async (
  deps: Pick<RealtimeDeps, 'connections' | 'tokens' | 'clock'>,
  listed: ReadonlyMap<string, readonly string[]>,
): Promise<Audience> => {
  const ids = [...listed.values()].flat();
  if (ids.length === 0) return { served: new Map(), unserved: [] };
  const connections = await deps.connections.findMany(ids);
  const tokens = await deps.tokens.findMany([...connections.values()].map((connection) => connection.tokenId));
  const now = deps.clock();
  const served = new Set(
    ids.filter((id) => {
      const connection = connections.get(id);
      return connection !== undefined && isLive(tokens.get(connection.tokenId), now);
    }),
  );
  return {
    served: new Map([...listed].map(([userId, own]) => [userId, own.filter((id) => served.has(id))])),
    unserved: ids.filter((id) => !served.has(id)),
  };
};

/** The open connections of these users, and which of them are served (`listConnections`, then `servedAmong`). */
export const findAudience = async (
  deps: Pick<RealtimeDeps, 'connections' | 'tokens' | 'clock'>,
  userIds: readonly string[],
): Promise<Audience> => servedAmong(deps, await listConnections(deps, userIds));

/** What pushing some events came to: pushes sent, connections found gone, and the events whose push failed. */
export interface PushReport {
  sent: number;
  gone: number;
  failed: { eventId: string; error: unknown }[];
}

/**
 * Pushes events, in order, to the served connections of the users who may see each (and to nobody else), each
 * connection's pushes one after the other and the connections at once. A connection API Gateway no longer knows hears
 * nothing more; with `forget`, it and every unserved connection of the audience are also forgotten (and closed).
 */
export const pushEvents = async (
  deps: Pick<RealtimeDeps, 'connections' | 'pusher'>,
  events: readonly PaymentEvent[],
  audience: Audience,
  { forget }: { forget: boolean },
): Promise<PushReport> => {
  const report: PushReport = { sent: 0, gone: 0, failed: [] };
  const byConnection = new Map<string, PaymentEvent[]>();
  for (const event of events)
    for (const userId of viewersOf(event.payment))
      for (const connectionId of audience.served.get(userId) ?? [])
        byConnection.set(connectionId, [...(byConnection.get(connectionId) ?? []), event]);
  await Promise.all([
    ...(forget ? audience.unserved : []).map(async (connectionId) => {
      await drop(deps, connectionId);
      report.gone += 1;
    }),
    ...[...byConnection].map(async ([connectionId, own]) => {
      for (const event of own) {
        try {
          if ((await deps.pusher.push(connectionId, eventMessage(event))) === 'sent') {
            report.sent += 1;
            continue;
          }
          report.gone += 1;
          if (forget) await deps.connections.delete(connectionId);
          return;
        } catch (error) {
          report.failed.push({ eventId: event.id, error });
        }
      }
    }),
  ]);
  return report;
};

/**
 * Pushes an event to every open connection of the users who may see its payment, and to nobody else. A connection
 * API Gateway no longer knows, or whose token is gone, is forgotten; any other failure is thrown, so that the stream
 * delivers the record again.
 */
export const notifyEvent = async (
  deps: Pick<RealtimeDeps, 'connections' | 'pusher' | 'tokens' | 'clock'>,
  event: PaymentEvent,
): Promise<{ sent: number; gone: number }> => {
  const audience = await findAudience(deps, viewersOf(event.payment));
  const { sent, gone, failed } = await pushEvents(deps, [event], audience, { forget: true });
  if (failed[0]) throw failed[0].error;
  return { sent, gone };
};
