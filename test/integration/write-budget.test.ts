import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { capturePayment } from '../../shared/payments/authorizations';
import { createPayment } from '../../shared/payments/create';
import { processPayment } from '../../shared/payments/process';
import type { Payment } from '../../shared/payments/model';
import { ledgerHelpers, startPaymentWorld, type PaymentWorld } from '../support/payments';

interface Write {
  command: string;
  /** What DynamoDB answered in ConsumedCapacity, indexes included. */
  reported: number;
  /**
   * The same, with every item of a transaction counted at 2 WCU: DynamoDB Local answers 2 per table however many
   * items a transaction writes to it, which would flatter a transfer's three operations.
   */
  pessimistic: number;
}

let world: PaymentWorld;
const writes: Write[] = [];

// The low-level names: the document client's commands run as these.
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

const indexUnits = (entry: ConsumedCapacity) =>
  Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0);

beforeAll(async () => {
  world = await startPaymentWorld();
  // Ask every write for its consumed capacity, indexes included, and keep the figures.
  world.db.client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!WRITE_COMMANDS.has(command)) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string; TransactItems?: unknown[] };
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const consumed = [
        (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity ?? [],
      ].flat();
      const reported = consumed.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
      const pessimistic = input.TransactItems
        ? 2 * input.TransactItems.length + consumed.reduce((sum, entry) => sum + indexUnits(entry), 0)
        : reported;
      writes.push({ command, reported, pessimistic });
      return result;
    },
    // Low priority: after the document client has marshalled the input.
    { step: 'initialize', priority: 'low', name: 'recordConsumedCapacity' },
  );
}, 30_000);

afterAll(async () => {
  await world.stop();
});

const { fundedWallet } = ledgerHelpers(() => world);

const sum = (list: Write[], key: 'reported' | 'pessimistic') => list.reduce((total, write) => total + write[key], 0);

/**
 * Creates a payment (after a warm-up one, which opens the technical accounts), processes it, and answers the writes
 * of each step, printed for the record.
 */
const measure = async (what: string, create: (amount: number, key: string) => Promise<Payment>) => {
  const warmUp = await create(100, `${what}-warm-up`);
  await processPayment(world.payments, warmUp.id);
  writes.length = 0;

  const payment = await create(2_500, `${what}-budget-key`);
  const created = writes.splice(0);
  const outcome = await processPayment(world.payments, payment.id);
  const processed = writes.splice(0);
  const all = [...created, ...processed];
  console.log(
    `${what}: creation ${sum(created, 'reported')} WCU reported (${sum(created, 'pessimistic')} counted per item), ` +
      `processing ${sum(processed, 'reported')} WCU reported (${sum(processed, 'pessimistic')} counted per item); ` +
      `writes: ${JSON.stringify(all)}`,
  );
  return { payment, outcome, created, processed, all };
};

describe('the write budget', () => {
  it('keeps a completed transfer with a fee, created with an Idempotency-Key, within 38 write capacity units', async () => {
    const ada = { userId: 'usr_budget_ada', role: 'user' as const, tokenId: 'tok_a', emailVerified: true };
    const bob = { userId: 'usr_budget_bob', role: 'user' as const, tokenId: 'tok_b', emailVerified: true };
    const source = await fundedWallet(ada, 100_000, 'USD');
    const destination = await fundedWallet(bob, 0, 'USD');
    // A first transfer creates the technical accounts; the budget is that of every transfer after it.
    const transfer = {
      type: 'transfer' as const,
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      currency: 'USD',
    };
    const { payment, outcome, created, processed, all } = await measure('A transfer with a fee', (amount, key) =>
      createPayment(world.payments, ada, { ...transfer, amount }, key),
    );

    expect(outcome).toBe('completed');
    expect(payment.fee).toBe(25n);
    expect(created.map((write) => write.command)).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(processed.map((write) => write.command)).toEqual(['TransactWriteItemsCommand']);
    expect(sum(all, 'reported')).toBeLessThanOrEqual(38);
    expect(sum(all, 'pessimistic')).toBeLessThanOrEqual(38);
  });

  it('keeps a completed exchange with a fee, six legs through two desks, within 46 write capacity units', async () => {
    const ada = { userId: 'usr_budget_fx', role: 'user' as const, tokenId: 'tok_fx', emailVerified: true };
    const source = await fundedWallet(ada, 100_000, 'EUR');
    const destination = await fundedWallet(ada, 0, 'GBP');
    await world.payments.rates.put({ base: 'EUR', quote: 'GBP', rate: '0.8612', updatedAt: new Date().toISOString() });
    const exchange = { type: 'exchange' as const, sourceAccountId: source.id, destinationAccountId: destination.id };
    const { payment, outcome, processed, all } = await measure('An exchange with a fee', (amount, key) =>
      createPayment(world.payments, ada, { ...exchange, amount }, key),
    );

    expect(outcome).toBe('completed');
    expect(payment).toMatchObject({ fee: 13n, destinationAmount: 2_153n });
    expect(processed.map((write) => write.command)).toEqual(['TransactWriteItemsCommand']);
    expect(sum(all, 'reported')).toBeLessThanOrEqual(46);
    expect(sum(all, 'pessimistic')).toBeLessThanOrEqual(46);
  });
});

describe('the write budget of a payment in two steps', () => {
  it('keeps a transfer with a fee, authorized then captured in full, each asked under an Idempotency-Key, within 56 write capacity units', async () => {
    const ada = { userId: 'usr_budget_hold', role: 'user' as const, tokenId: 'tok_h', emailVerified: true };
    const bob = { userId: 'usr_budget_held', role: 'user' as const, tokenId: 'tok_hb', emailVerified: true };
    const source = await fundedWallet(ada, 100_000, 'USD');
    const destination = await fundedWallet(bob, 0, 'USD');
    const manual = {
      type: 'transfer' as const,
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      currency: 'USD',
      capture: 'manual' as const,
    };
    const run = async (amount: number, key: string) => {
      const payment = await createPayment(world.payments, ada, { ...manual, amount }, key);
      const created = writes.splice(0);
      const outcome = await processPayment(world.payments, payment.id);
      const authorized = writes.splice(0);
      const captured = await capturePayment(world.payments, ada, payment.id, {}, `${key}-capture`);
      return { outcome, captured, created, authorized, capturing: writes.splice(0) };
    };
    // A first one opens the holds account and writes the first head of each shard it touches.
    await run(100, 'hold-warm-up');
    writes.length = 0;

    const { outcome, captured, created, authorized, capturing } = await run(2_500, 'hold-budget-key');
    const all = [...created, ...authorized, ...capturing];
    console.log(
      `An authorization and its capture: creation ${sum(created, 'reported')} WCU reported ` +
        `(${sum(created, 'pessimistic')} counted per item), authorization ${sum(authorized, 'reported')} ` +
        `(${sum(authorized, 'pessimistic')}), capture ${sum(capturing, 'reported')} (${sum(capturing, 'pessimistic')}); ` +
        `writes: ${JSON.stringify(all)}`,
    );

    expect(outcome).toBe('authorized');
    expect(captured).toMatchObject({ status: 'COMPLETED', capturedAmount: 2_500n, fee: 25n });
    expect(created.map((write) => write.command)).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(authorized.map((write) => write.command)).toEqual(['TransactWriteItemsCommand']);
    expect(capturing.map((write) => write.command)).toEqual(['TransactWriteItemsCommand']);
    expect(sum(all, 'reported')).toBeLessThanOrEqual(56);
    expect(sum(all, 'pessimistic')).toBeLessThanOrEqual(56);
  });
});
