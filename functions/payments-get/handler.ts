import { paymentView } from '../../shared/payments/model';
import { readablePayment } from '../../shared/payments/list';
import { paymentIdParams } from '../../shared/schemas/payments';
import { httpHandler, ok } from '../lib/http';
import { paymentDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'user', params: paymentIdParams }, async ({ caller, params }) =>
  ok(paymentView(await readablePayment(paymentDeps, caller, params.id))),
);
