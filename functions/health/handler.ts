import { getHealth } from '../contracts/meta';
import { httpHandler } from '../lib/http';

export const handler = httpHandler(getHealth, () => Promise.resolve({ status: 'ok' }));
