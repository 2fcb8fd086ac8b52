import { paymentView } from '../../shared/payments/model';
import { createDeposit } from '../../shared/payments/create';
import { createDeposit as contract } from '../contracts/payments';
import { httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ body }) => paymentView(await createDeposit(paymentDeps, body)));
