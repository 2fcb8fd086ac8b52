import { createRefund } from '../../shared/payments/refunds';
import { createRefund as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { paymentView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, params, body, idempotencyKey }) =>
  paymentView(await createRefund(paymentDeps, caller, params.id, body, idempotencyKey)),
);
