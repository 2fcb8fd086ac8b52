import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { readConfig } from '../../functions/lib/config';
import { assertBound, paymentDeps, unboundVariables } from '../../functions/lib/runtime';
import { environment, queues } from '../../functions/manifest';
import { fromPaymentItem } from '../../shared/adapters/payment-store';
import { tables } from '../../shared/adapters/tables';
import { SCRYPT_PARAMS, TEST_SCRYPT_PARAMS } from '../../shared/security/passwords';
import { ADA_USD, CREATED_AT, mockPaymentAws, paymentItem } from './payment-fixtures';

const { dynamo } = mockPaymentAws();

const named = (name: string, variables: Record<string, string> = {}) => ({
  [environment.functionName]: name,
  ...variables,
});

const sweeperTables = {
  [tables.payments.envVar]: 'payments',
  [tables.accounts.envVar]: 'accounts',
  [tables.operations.envVar]: 'operations',
};

describe('the cold start check of bindings', () => {
  it('checks nothing when no function is named, as in the local stack and the tests', () => {
    expect(unboundVariables({})).toEqual([]);
  });

  it('names each variable the manifest binds the named function to that is unset or empty', () => {
    expect(unboundVariables(named('ws-disconnect', { [tables.connections.envVar]: '' }))).toEqual([
      tables.connections.envVar,
    ]);
    expect(unboundVariables(named('sweeper', sweeperTables))).toEqual([queues.payments.envVar]);
  });

  it('refuses to start a function that lacks one, saying which', () => {
    expect(() => {
      assertBound(named('sweeper', sweeperTables));
    }).toThrow(`Function sweeper is bound to ${queues.payments.envVar} in the manifest, but it is not set`);
  });

  it('starts a function that has every variable it is bound to, and none of the others', () => {
    expect(() => {
      assertBound(named('payments-get', { [tables.payments.envVar]: 'payments' }));
    }).not.toThrow();
  });

  it('refuses a name that is no function of the manifest', () => {
    expect(() => {
      assertBound(named('payments-delete'));
    }).toThrow(`${environment.functionName} is payments-delete, which is no function of the manifest`);
  });
});

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

describe("the test stacks' password hashing", () => {
  const hashing = environment.testPasswordHashing;

  it("hashes at OWASP's cost unless a test stack asks for the fast one", () => {
    expect(readConfig({}).passwordParams).toBeUndefined();
    expect(readConfig({ [hashing]: 'fast' }).passwordParams).toEqual(TEST_SCRYPT_PARAMS);
    expect(TEST_SCRYPT_PARAMS.N).toBeLessThan(SCRYPT_PARAMS.N);
  });

  it('refuses to start a function on Lambda that is told to hash fast, or told anything but `fast`', () => {
    expect(() => readConfig({ [hashing]: 'fast', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toThrow(
      `Invalid configuration: ${hashing} is for test stacks, never on Lambda`,
    );
    expect(() => readConfig({ [hashing]: 'slow' })).toThrow(`Invalid configuration: ${hashing}`);
    expect(readConfig({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' }).passwordParams).toBeUndefined();
  });
});
