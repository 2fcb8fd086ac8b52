import { createPayment } from '../../shared/payments/create';
import { createPayment as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { paymentView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, body, idempotencyKey }) =>
  paymentView(await createPayment(paymentDeps, caller, body, idempotencyKey)),
);
