import { config } from '../lib/config';
import { httpHandler, ok } from '../lib/http';

export const handler = httpHandler({ access: 'public' }, () => Promise.resolve(ok(config.fees)));
