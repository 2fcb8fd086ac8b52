import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../ids';

/**
 * An API token is `<token id>.<secret>`: the id finds the record with one strongly consistent read (no index, so a
 * new token works and a revoked one stops at once), the secret is 256 random bits. Only the SHA-256 of the whole
 * token is stored; a fast hash is right here because the secret has full entropy, unlike a password.
 */
export interface IssuedToken {
  id: string;
  token: string;
  hash: string;
}

const TOKEN_PATTERN = /^(tok_[0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const issueToken = (): IssuedToken => {
  const id = newId('tok');
  const token = `${id}.${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
};

/** The token id, or undefined when the string cannot be a token of ours. */
export const tokenIdOf = (token: string): string | undefined => TOKEN_PATTERN.exec(token)?.[1];

export const tokenMatches = (token: string, storedHash: string): boolean => {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashToken(token), 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
};

/** The bearer token of an `Authorization` header value, if it is one. */
export const bearerToken = (header: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
};

/**
 * A confirmation token is `<user id>_<secret>`: one run of URL-safe characters that a mail client never breaks, the
 * user id finding the one user whose confirmation it may be, the secret 256 random bits. Only its SHA-256 is kept.
 */
const CONFIRMATION_PATTERN = /^(usr_[0-9a-z]{26})_[A-Za-z0-9_-]{43}$/;

export const issueConfirmationToken = (userId: string): { token: string; hash: string } => {
  const token = `${userId}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
};

/** The user a confirmation token names, or undefined when the string cannot be one. */
export const confirmationUserOf = (token: string): string | undefined => CONFIRMATION_PATTERN.exec(token)?.[1];
