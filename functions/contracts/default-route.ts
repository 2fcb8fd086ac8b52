import { route } from '../lib/contract';

/**
 * API Gateway's `$default` route: whatever no route of the API matches. It is not part of the document; its contract
 * says what it may answer.
 */
export const defaultRoute = route({
  method: 'GET',
  path: '$default',
  function: 'not-found',
  access: 'public',
  operationId: 'defaultRoute',
  summary: 'Any other request',
  description: 'Answers 404 `not_found` for a path the API does not serve.',
  tags: ['Meta'],
  success: { status: 200, description: 'Never answered.' },
  errors: ['not_found'],
});
