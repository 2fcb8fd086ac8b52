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
  description:
    'Answers 405 `method_not_allowed` with `Allow` for a path the API serves with other methods, and 404 ' +
    '`not_found` for any other path.',
  tags: ['Meta'],
  success: { status: 200, description: 'Never answered.' },
  errors: ['not_found', 'method_not_allowed'],
});
