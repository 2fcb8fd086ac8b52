import { setRate } from '../../shared/rates/service';
import { setRate as contract } from '../contracts/rates';
import { httpHandler } from '../lib/http';
import { rateDeps } from '../lib/runtime';
import { rateView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ params, body }) =>
  rateView(await setRate(rateDeps, params, body.rate)),
);
