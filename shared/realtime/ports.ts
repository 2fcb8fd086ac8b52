import type { Connection, ServerMessage } from './model';

export interface ConnectionStore {
  put(connection: Connection): Promise<void>;
  find(connectionId: string): Promise<Connection | undefined>;
  /** The connections of these ids that exist, by id, read together. */
  findMany(connectionIds: readonly string[]): Promise<Map<string, Connection>>;
  delete(connectionId: string): Promise<void>;
  /** The ids of a user's open connections. */
  listByUser(userId: string): Promise<string[]>;
  /** The ids of the connections opened with a token. */
  listByToken(tokenId: string): Promise<string[]>;
}

/** Sends a message down one connection; `gone` when API Gateway says the connection no longer exists. */
export interface Pusher {
  push(connectionId: string, message: ServerMessage): Promise<'sent' | 'gone'>;
  /** Closes a connection; one that is gone already is no error. */
  disconnect(connectionId: string): Promise<void>;
}
