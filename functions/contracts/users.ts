import * as z from 'zod/mini';
import {
  confirmationBody,
  credentialsBody,
  newTokenSchema,
  tokenIdParams,
  tokenListQuery,
  tokenSchema,
  userSchema,
} from '../../shared/schemas/users';
import { route } from '../lib/contract';
import { pageOf } from './pages';

const signUpSchema = z.object({ user: userSchema, token: newTokenSchema });

export const createUser = route({
  method: 'POST',
  path: '/v1/users',
  function: 'users-create',
  access: 'public',
  operationId: 'createUser',
  summary: 'Sign up',
  description:
    'Creates a user with the `user` role and issues a first API token. The token secret is shown only in this ' +
    'response. Emails are compared case-insensitively. The user starts with `emailVerified: false`, and a ' +
    'confirmation email holding a single-use token (valid 24 hours) is sent to the address: until it is confirmed ' +
    '(POST /v1/users/confirmation), the user may sign in, read, open accounts and receive money, but every payment ' +
    'it sends is a 403 `email_unverified`.',
  tags: ['Users'],
  body: credentialsBody,
  examples: { signUp: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' } },
  success: { status: 201, description: 'The new user and its first token.', schema: signUpSchema },
  links: {
    signIn: {
      operationId: 'createToken',
      description: 'Sign in with the email and password just registered: another token of the new user.',
      body: { email: '$request.body#/email', password: '$request.body#/password' },
    },
  },
  errors: ['email_taken'],
});

export const confirmEmail = route({
  method: 'POST',
  path: '/v1/users/confirmation',
  function: 'users-confirm',
  access: 'public',
  operationId: 'confirmEmail',
  summary: 'Confirm an email address',
  description:
    'Verifies the email address of the user a confirmation email was sent to, with the token it holds. A token ' +
    'works once and for 24 hours, and only the latest email’s: an unknown, used, replaced or expired token is a 400 ' +
    '`invalid_confirmation`.',
  tags: ['Users'],
  body: confirmationBody,
  examples: { confirm: { token: 'usr_01jd0000000000000000000000_3q2-7wEjcVJrEZpIpMtP7h0tTTZkVd1yVqoFQzrGzYU' } },
  success: { status: 200, description: 'The user, with `emailVerified: true`.', schema: userSchema },
  errors: ['invalid_confirmation'],
});

export const resendConfirmation = route({
  method: 'POST',
  path: '/v1/me/confirmation',
  function: 'confirmation-send',
  access: 'user',
  operationId: 'resendConfirmation',
  summary: 'Send a new confirmation email',
  description:
    'Sends the caller a new confirmation email; the tokens of earlier ones stop working. At most one email a ' +
    'minute, the sign-up’s included: sooner is a 429 `too_many_requests` whose `Retry-After` says the seconds left. ' +
    'A verified user gets a 409 `already_verified`. The answer has no body.',
  tags: ['Users'],
  success: { status: 202, description: 'The email is on its way.' },
  errors: ['already_verified', 'too_many_requests'],
});

export const createToken = route({
  method: 'POST',
  path: '/v1/tokens',
  function: 'tokens-create',
  access: 'public',
  operationId: 'createToken',
  summary: 'Create a token',
  description:
    'Issues a new API token for an email and password. The secret `token` is shown only in this response and ' +
    'stored only as a hash. A token expires 90 days after it is issued (`expiresAt`; operators may configure ' +
    'another lifetime); a user holds at most 25 live tokens, and the 26th is a 422 `limit_reached`. After 5 failed attempts for one email within 15 minutes, every ' +
    'attempt for that email answers 429 `too_many_requests`, whatever the password, with `Retry-After` the seconds ' +
    'until the window passes.',
  tags: ['Tokens'],
  body: credentialsBody,
  examples: { signIn: { email: 'ada@example.com', password: 'correct horse battery', name: 'laptop' } },
  success: { status: 201, description: 'The new token, with its secret.', schema: newTokenSchema },
  links: {
    revoke: {
      operationId: 'revokeToken',
      description: 'Revoke the token just issued (a 404 unless the caller is the user it was issued to).',
      parameters: { id: '$response.body#/id' },
    },
  },
  errors: ['invalid_credentials', 'too_many_requests', 'limit_reached'],
});

export const listTokens = route({
  method: 'GET',
  path: '/v1/tokens',
  function: 'tokens-list',
  access: 'user',
  operationId: 'listTokens',
  summary: 'List tokens',
  description:
    "Lists the caller's live tokens, oldest first: revoked and expired ones are gone. Secrets are never returned.",
  tags: ['Tokens'],
  query: tokenListQuery,
  success: { status: 200, description: 'A page of tokens.', schema: pageOf(tokenSchema) },
  errors: [],
});

export const revokeToken = route({
  method: 'DELETE',
  path: '/v1/tokens/{id}',
  function: 'tokens-delete',
  access: 'user',
  operationId: 'revokeToken',
  summary: 'Revoke a token',
  description:
    'Revokes one of the caller’s tokens: it is refused from the next request on, and every WebSocket connection ' +
    'opened with it is closed. Another user’s token is a 404.',
  tags: ['Tokens'],
  params: tokenIdParams,
  paramDescriptions: { id: 'The id of the token.' },
  success: { status: 204, description: 'The token is revoked.' },
  errors: [],
});

export const revokeAllTokens = route({
  method: 'DELETE',
  path: '/v1/tokens',
  function: 'tokens-delete-all',
  access: 'user',
  operationId: 'revokeAllTokens',
  summary: 'Revoke every token',
  description:
    'Revokes every token of the caller, the one used for this request included, and closes every WebSocket ' +
    'connection opened with them. A new token comes from POST /v1/tokens.',
  tags: ['Tokens'],
  success: { status: 204, description: 'Every token of the caller is revoked.' },
  errors: [],
});

export const getMe = route({
  method: 'GET',
  path: '/v1/me',
  function: 'me-get',
  access: 'user',
  operationId: 'getMe',
  summary: 'Get the calling user',
  description: 'Answers the user the bearer token belongs to.',
  tags: ['Users'],
  success: { status: 200, description: 'The calling user.', schema: userSchema },
  errors: [],
});
