import type { Role } from '../../shared/users/model';

/**
 * What the authorizer hands to API Gateway, and API Gateway to each handler. Empty when the bearer token is missing or
 * not live: the authorizer still allows the request so that the handler answers the contract's problem+json 401
 * (a denial would make API Gateway answer its own 403 `{"message":"Forbidden"}` instead).
 */
export interface AuthorizerContext {
  userId?: string;
  role?: Role;
  tokenId?: string;
  emailVerified?: boolean;
}
