import { createDeposit } from '../../shared/payments/create';
import { createDeposit as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';
import { paymentView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ body }) => paymentView(await createDeposit(paymentDeps, body)));
