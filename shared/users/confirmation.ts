import type { Clock } from '../clock';
import { AlreadyVerifiedError, InvalidConfirmationError, NotFoundError, TooManyRequestsError } from '../errors';
import { confirmationUserOf, hashToken, issueConfirmationToken } from '../security/tokens';
import { type Confirmation, toUser, type User } from './model';
import type { Email, Mailer, UserStore } from './ports';

export interface ConfirmationDeps {
  users: UserStore;
  mailer: Mailer;
  clock: Clock;
  /** A confirmation email that could not be sent: the user may ask for another a minute later. */
  onMailFailure?: (userId: string, error: unknown) => void;
}

/** How long a confirmation token works, and how soon after one email another may be asked for. */
export const CONFIRMATION_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const CONFIRMATION_INTERVAL_MS = 60 * 1000;

/** A new confirmation of the user's email: the token for the email, and what is kept of it. */
export const newConfirmation = (userId: string, now: Date): { token: string; confirmation: Confirmation } => {
  const { token, hash } = issueConfirmationToken(userId);
  const expiresAt = new Date(now.getTime() + CONFIRMATION_LIFETIME_MS).toISOString();
  return { token, confirmation: { hash, expiresAt, sentAt: now.toISOString() } };
};

// The token is the only run of 20 or more URL-safe characters in the text, so that it is easy to pick out.
const confirmationEmail = (to: string, token: string): Email => ({
  to,
  subject: 'Confirm your email address',
  text: [
    'Welcome to the billing gateway.',
    '',
    'To confirm this email address, send this token to POST /v1/users/confirmation as {"token": "<token>"}:',
    '',
    token,
    '',
    'It works once, for 24 hours. Until your address is confirmed you can sign in, open accounts and receive money,',
    'but not send payments. If you did not sign up, ignore this email.',
  ].join('\n'),
});

/** Sends the confirmation email; a failure is reported, not thrown, since the user exists and may ask again. */
export const sendConfirmation = async (
  deps: Pick<ConfirmationDeps, 'mailer' | 'onMailFailure'>,
  user: { id: string; email: string },
  token: string,
): Promise<void> => {
  try {
    await deps.mailer.send(confirmationEmail(user.email, token));
  } catch (error) {
    if (!deps.onMailFailure) throw error;
    deps.onMailFailure(user.id, error);
  }
};

/** Verifies the email whose confirmation this token is, once: unknown, used, replaced or expired, it is refused. */
export const confirmEmail = async (deps: Pick<ConfirmationDeps, 'users' | 'clock'>, token: string): Promise<User> => {
  const userId = confirmationUserOf(token);
  if (userId === undefined || !(await deps.users.confirm(userId, hashToken(token), deps.clock()))) {
    throw new InvalidConfirmationError();
  }
  const user = await deps.users.findById(userId);
  if (!user) throw new InvalidConfirmationError();
  return toUser(user);
};

/**
 * Sends a new confirmation email, which replaces the one in force. At most one a minute per user, the sign-up's
 * included: sooner is a 429 with the seconds left.
 */
export const resendConfirmation = async (deps: ConfirmationDeps, userId: string): Promise<void> => {
  const user = await deps.users.findById(userId);
  if (!user) throw new NotFoundError('user', userId);
  if (user.emailVerified) throw new AlreadyVerifiedError();
  const now = deps.clock();
  const previousSentAt = user.confirmation?.sentAt;
  const wait = previousSentAt === undefined ? 0 : Date.parse(previousSentAt) + CONFIRMATION_INTERVAL_MS - now.getTime();
  const tooSoon = (seconds: number) =>
    new TooManyRequestsError('A confirmation email was sent less than a minute ago.', seconds);
  if (wait > 0) throw tooSoon(wait / 1000);
  const { token, confirmation } = newConfirmation(userId, now);
  // Another request replaced it first: that one's email is on its way.
  if (!(await deps.users.replaceConfirmation(userId, confirmation, previousSentAt))) {
    throw tooSoon(CONFIRMATION_INTERVAL_MS / 1000);
  }
  await sendConfirmation({ mailer: deps.mailer }, user, token);
};
