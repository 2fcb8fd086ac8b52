import { paymentView } from '../../shared/payments/model';
import { createPayment } from '../../shared/payments/create';
import { paymentBody } from '../../shared/schemas/payments';
import { accepted, httpHandler, idempotencyKeyOf } from '../lib/http';
import { paymentDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'user', body: paymentBody }, async ({ caller, body, headers }) =>
  accepted(paymentView(await createPayment(paymentDeps, caller, body, idempotencyKeyOf(headers)))),
);
