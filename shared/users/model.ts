export type Role = 'user' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  /** Confirmed through the link of a confirmation email; admins are verified from the start. */
  emailVerified: boolean;
  createdAt: string;
}

/** The confirmation email in force: only the SHA-256 of its single-use token is kept. */
export interface Confirmation {
  hash: string;
  expiresAt: string;
  sentAt: string;
}

export interface UserRecord extends User {
  passwordHash: string;
  /** Absent once the email is verified. */
  confirmation?: Confirmation;
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
  emailVerified: boolean;
}

export const toUser = ({ id, email, name, role, emailVerified, createdAt }: UserRecord): User => ({
  id,
  email,
  name,
  role,
  emailVerified,
  createdAt,
});
