import { capturePayment } from '../../shared/payments/authorizations';
import { capturePayment as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { paymentView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, params, body, idempotencyKey }) =>
  paymentView(await capturePayment(paymentDeps, caller, params.id, body, idempotencyKey)),
);
