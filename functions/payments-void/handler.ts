import { voidPayment } from '../../shared/payments/authorizations';
import { voidPayment as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { paymentView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, params }) =>
  paymentView(await voidPayment(paymentDeps, caller, params.id)),
);
