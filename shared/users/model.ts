export type Role = 'user' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: string;
}

export interface UserRecord extends User {
  passwordHash: string;
}

export interface TokenRecord {
  id: string;
  userId: string;
  name: string | null;
  /** SHA-256 of the whole token, hex. The secret itself is never stored. */
  hash: string;
  createdAt: string;
  /** When it stops working; DynamoDB's TTL removes the record some time after. */
  expiresAt: string;
  lastUsedAt?: string;
}

/** A token works until it is revoked (its record deleted) or it expires. */
export const isLive = (token: TokenRecord | undefined, now: Date): token is TokenRecord =>
  token !== undefined && Date.parse(token.expiresAt) > now.getTime();

/** Who is calling, as the authorizer resolved it from a bearer token. */
export interface Principal {
  userId: string;
  role: Role;
  tokenId: string;
}

export const toUser = ({ id, email, name, role, createdAt }: UserRecord): User => ({
  id,
  email,
  name,
  role,
  createdAt,
});

export const toTokenView = ({ id, name, createdAt, expiresAt, lastUsedAt }: TokenRecord) => ({
  id,
  name,
  createdAt,
  expiresAt,
  ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
});
