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
  lastUsedAt?: string;
}

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
