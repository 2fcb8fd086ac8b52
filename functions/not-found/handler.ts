import { NotFoundError } from '../../shared/errors';
import { defaultRoute } from '../contracts/default-route';
import { httpHandler } from '../lib/http';

/** API Gateway's `$default` route: any path or method the API does not serve. */
export const handler = httpHandler(defaultRoute, () => Promise.reject(new NotFoundError('route')));
