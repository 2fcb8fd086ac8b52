import { paymentView } from '../../shared/payments/model';
import { createDeposit } from '../../shared/payments/create';
import { depositBody } from '../../shared/schemas/payments';
import { accepted, httpHandler } from '../lib/http';
import { paymentDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'admin', body: depositBody }, async ({ body }) =>
  accepted(paymentView(await createDeposit(paymentDeps, body))),
);
