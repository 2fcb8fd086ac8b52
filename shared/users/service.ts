import type { Clock } from '../clock';
import { InvalidCredentialsError, LimitReachedError, NotFoundError, TooManyRequestsError } from '../errors';
import { newId } from '../ids';
import type { Page, PageRequest } from '../page';
import { decoyPasswordHash, hashPassword, needsRehash, type ScryptParams, verifyPassword } from '../security/passwords';
import { issueToken, tokenIdOf, tokenMatches } from '../security/tokens';
import { isLive, type Principal, type Role, type TokenRecord, type User, type UserRecord, toUser } from './model';
import { type ConfirmationDeps, newConfirmation, sendConfirmation } from './confirmation';
import type { SignInAttempts, TokenStore, UserStore } from './ports';
import { tokenView } from '../views';

export interface UserDeps {
  users: UserStore;
  tokens: TokenStore;
  attempts: SignInAttempts;
  clock: Clock;
  /** How long a token lives after it is issued; 90 days when not set. */
  tokenLifetimeMs?: number;
  /** Tests only: a cheaper scrypt cost. Production always hashes with SCRYPT_PARAMS. */
  passwordParams?: ScryptParams;
}

export const DEFAULT_TOKEN_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;
/** Tokens a user may hold at once, neither revoked nor expired. */
export const MAX_LIVE_TOKENS = 25;

export interface Credentials {
  email: string;
  password: string;
  name?: string | undefined;
}

/** A freshly issued token: the only time its secret is ever shown. */
export interface NewToken {
  id: string;
  token: string;
  name: string | null;
  createdAt: string;
  expiresAt: string;
}

// Only refresh `lastUsedAt` once a minute: a write per request would cost more than the request itself.
const LAST_USED_RESOLUTION_MS = 60_000;

const mintToken = async (
  {
    tokens,
    clock,
    tokenLifetimeMs = DEFAULT_TOKEN_LIFETIME_MS,
  }: Pick<UserDeps, 'tokens' | 'clock' | 'tokenLifetimeMs'>,
  userId: string,
  name: string | null,
): Promise<NewToken> => {
  const { id, token, hash } = issueToken();
  const now = clock();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + tokenLifetimeMs).toISOString();
  const record: TokenRecord = { id, userId, name, hash, createdAt, expiresAt };
  if (!(await tokens.insertWithin(record, MAX_LIVE_TOKENS, now))) {
    throw new LimitReachedError(
      `A user holds at most ${MAX_LIVE_TOKENS} live tokens; revoke one (DELETE /v1/tokens/{id}) to issue another.`,
    );
  }
  return { id, token, name, createdAt, expiresAt };
};

export type NewUserDeps = Pick<UserDeps, 'users' | 'tokens' | 'clock' | 'tokenLifetimeMs' | 'passwordParams'>;

/** Stores a new user with a first token; a user gets a confirmation to send, an admin is verified from the start. */
const createUser = async (deps: NewUserDeps, { email, password, name }: Credentials, role: Role) => {
  const now = deps.clock();
  const id = newId('usr');
  const pending = role === 'admin' ? undefined : newConfirmation(id, now);
  const record: UserRecord = {
    id,
    email,
    name: name ?? null,
    role,
    emailVerified: pending === undefined,
    createdAt: now.toISOString(),
    passwordHash: await hashPassword(password, deps.passwordParams),
    ...(pending ? { confirmation: pending.confirmation } : {}),
  };
  await deps.users.insert(record);
  return { user: toUser(record), token: await mintToken(deps, id, null), confirmationToken: pending?.token };
};

/** Signs a user up: the user, unverified, with a first token, and a confirmation email on its way. */
export const registerUser = async (
  deps: NewUserDeps & Pick<ConfirmationDeps, 'mailer' | 'onMailFailure'>,
  credentials: Credentials,
): Promise<{ user: User; token: NewToken }> => {
  const { user, token, confirmationToken } = await createUser(deps, credentials, 'user');
  if (confirmationToken !== undefined) await sendConfirmation(deps, user, confirmationToken);
  return { user, token };
};

/** Failed sign-ins an email may have within the window before every attempt for it is refused until it passes. */
export const MAX_FAILED_SIGN_INS = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Signs in with an email and password. A known and an unknown email cost the same reads and the same hashing; a
 * failure is counted against the email, and an email with too many failures in its window is refused whatever the
 * password. A hash made with older scrypt parameters is made again now that the password is at hand.
 */
export const createToken = async (deps: UserDeps, { email, password, name }: Credentials): Promise<NewToken> => {
  const now = deps.clock();
  const window = await deps.attempts.current(email, now);
  if (window && window.failures >= MAX_FAILED_SIGN_INS) {
    throw new TooManyRequestsError(
      'Too many failed sign-ins for this email.',
      (window.windowEndsAt.getTime() - now.getTime()) / 1000,
    );
  }
  const user = await deps.users.findByEmail(email);
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash(deps.passwordParams)));
  if (!user || !valid) {
    await deps.attempts.recordFailure(email, now, SIGN_IN_WINDOW_MS);
    throw new InvalidCredentialsError();
  }
  if (window) await deps.attempts.clear(email);
  if (needsRehash(user.passwordHash, deps.passwordParams)) {
    await deps.users.setPasswordHash(user.id, await hashPassword(password, deps.passwordParams));
  }
  return mintToken(deps, user.id, name ?? null);
};

export const listTokens = async (deps: UserDeps, userId: string, page: PageRequest) => {
  const tokens: Page<TokenRecord> = await deps.tokens.listByUser(userId, page);
  const now = deps.clock();
  // An expired token is gone for its owner as for the authorizer, whenever the TTL removes its record.
  return { data: tokens.data.filter((token) => isLive(token, now)).map(tokenView), nextCursor: tokens.nextCursor };
};

export const revokeToken = async (deps: UserDeps, userId: string, tokenId: string): Promise<void> => {
  if (!(await deps.tokens.deleteOwned(tokenId, userId))) throw new NotFoundError('token', tokenId);
};

/** Revokes every token of the user, the one in use included; answers their ids. */
export const revokeAllTokens = (deps: Pick<UserDeps, 'tokens'>, userId: string): Promise<string[]> =>
  deps.tokens.deleteAllOwned(userId);

export const getUser = async (deps: UserDeps, userId: string): Promise<User> => {
  const user = await deps.users.findById(userId);
  if (!user) throw new NotFoundError('user', userId);
  return toUser(user);
};

/** Resolves a bearer token to its principal, or undefined for anything that is not a live token. */
export const authenticate = async (deps: UserDeps, token: string | undefined): Promise<Principal | undefined> => {
  const tokenId = token === undefined ? undefined : tokenIdOf(token);
  if (token === undefined || tokenId === undefined) return undefined;
  const record = await deps.tokens.findById(tokenId);
  const now = deps.clock();
  if (!isLive(record, now) || !tokenMatches(token, record.hash)) return undefined;
  const user = await deps.users.findById(record.userId);
  if (!user) return undefined;
  if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
    await deps.tokens.touch(record.id, now.toISOString());
  }
  return { userId: user.id, role: user.role, tokenId: record.id, emailVerified: user.emailVerified };
};

/**
 * Creates the admin, or promotes an existing user with that email once the password proves it is theirs. Admins are
 * made out of band only: by the local stack from its environment and by `npm run admin:create`.
 */
export const ensureAdmin = async (deps: NewUserDeps, credentials: Credentials): Promise<User> => {
  const existing = await deps.users.findByEmail(credentials.email);
  if (!existing) return (await createUser(deps, credentials, 'admin')).user;
  if (!(await verifyPassword(credentials.password, existing.passwordHash))) throw new InvalidCredentialsError();
  if (existing.role !== 'admin' || !existing.emailVerified) await deps.users.makeAdmin(existing.id);
  return { ...toUser(existing), role: 'admin', emailVerified: true };
};
