import { rateView } from '../../shared/rates/model';
import { setRate } from '../../shared/rates/service';
import { rateBody, ratePairParams } from '../../shared/schemas/rates';
import { httpHandler, ok } from '../lib/http';
import { rateDeps } from '../lib/runtime';

export const handler = httpHandler(
  { access: 'admin', params: ratePairParams, body: rateBody },
  async ({ params, body }) => ok(rateView(await setRate(rateDeps, params, body.rate))),
);
