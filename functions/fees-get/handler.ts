import { getFees } from '../contracts/payments';
import { config } from '../lib/config';
import { httpHandler } from '../lib/http';

export const handler = httpHandler(getFees, () => Promise.resolve(config.fees));
