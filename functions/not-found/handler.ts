import { NotFoundError } from '../../shared/errors';
import { httpHandler } from '../lib/http';

/** API Gateway's `$default` route: any path or method the API does not serve. */
export const handler = httpHandler({ access: 'public' }, () => Promise.reject(new NotFoundError('route')));
