import { readablePayment } from '../../shared/payments/list';
import { getPayment } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { paymentView } from '../../shared/views';

export const handler = httpHandler(getPayment, async ({ caller, params }) =>
  paymentView(await readablePayment(paymentDeps, caller, params.id)),
);
