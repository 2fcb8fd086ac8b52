import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { paymentDeps } from '../../functions/lib/runtime';
import { fromPaymentItem } from '../../shared/db/payment-store';
import { tables } from '../../shared/db/tables';
import { ADA_USD, CREATED_AT, mockPaymentAws, paymentItem } from './payment-fixtures';

const { dynamo } = mockPaymentAws();

describe('the stores of a function bound to fewer tables', () => {
  const unset = [tables.payments.envVar, tables.idempotency.envVar];
  const saved = Object.fromEntries(unset.map((variable) => [variable, process.env[variable]]));

  beforeEach(() => {
    for (const variable of unset) Reflect.deleteProperty(process.env, variable);
  });

  afterEach(() => {
    Object.assign(process.env, saved);
  });

  it('reads the ledger without the payments table, and refuses to write it rather than name an empty table', async () => {
    await expect(paymentDeps.ledger.balanceAt([ADA_USD], CREATED_AT)).resolves.toBe(0n);
    expect(() => paymentDeps.ledger.fail(fromPaymentItem({ ...paymentItem() }), 'expired', new Date())).toThrow(
      `${tables.payments.envVar} is not set: this function was not bound to the payments table`,
    );
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('never names an empty idempotency table', () => {
    expect(() => paymentDeps.claims).toThrow(
      `${tables.idempotency.envVar} is not set: this function was not bound to the idempotency table`,
    );
  });
});
