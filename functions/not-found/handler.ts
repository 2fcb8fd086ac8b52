import { MethodNotAllowedError, NotFoundError } from '../../shared/errors';
import { defaultRoute } from '../contracts/default-route';
import { httpHandler } from '../lib/http';
import { router } from '../lib/routing';
import { routes } from '../manifest';

const api = router(routes);

/**
 * API Gateway's `$default` route: whatever no route matches. A path the API has, asked with a method it does not
 * serve there, is a 405 naming the methods it does serve (`Allow`); any other path a 404.
 */
export const handler = httpHandler(defaultRoute, ({ method, path }) => {
  const allowed = api.methodsAt(path);
  return Promise.reject(
    allowed.length > 0 ? new MethodNotAllowedError(method, path, allowed) : new NotFoundError('route'),
  );
});
