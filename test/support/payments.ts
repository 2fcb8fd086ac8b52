import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/dynamodb-local';
import { createQueues, ensureQueues, type LocalQueues } from '../../infra/local/queues';
import { type LocalSqs, startSqs } from '../../infra/local/sqs';
import { type QueueName, queues as queueDefinitions } from '../../functions/manifest';
import { SqsPaymentQueue } from '../../shared/adapters/payment-queue';
import { DynamoAccountStore } from '../../shared/adapters/account-store';
import { DynamoLedgerReader, DynamoLedgerWriter } from '../../shared/adapters/ledger-store';
import { DynamoIdempotencyStore, DynamoPaymentStore } from '../../shared/adapters/payment-store';
import { paymentMetadataIndex } from '../../shared/adapters/payment-listing';
import { queryItems } from '../../shared/adapters/query';
import { DynamoRateStore } from '../../shared/adapters/rate-store';
import { systemClock } from '../../shared/clock';
import { DEFAULT_FEES } from '../../shared/payments/fees';
import { joinLedger } from '../../shared/ledger/ports';
import type { Payment } from '../../shared/payments/model';
import { createDeposit } from '../../shared/payments/create';
import type { PaymentDeps } from '../../shared/payments/deps';
import { processPayment } from '../../shared/payments/process';
import { listPayments, type PaymentListQuery } from '../../shared/payments/list';
import type { Principal } from '../../shared/users/model';
import { openWallet, type AccountDeps } from '../../shared/accounts/service';
import { createTestTables, emulatorRunPrefix, type TestTables } from './dynamo';

export interface PaymentWorld {
  db: TestTables;
  /** The in-process fauxqs; undefined on an emulator run, whose SQS is the emulator's. */
  sqs: LocalSqs | undefined;
  sqsClient: SQSClient;
  queues: LocalQueues;
  ledger: DynamoLedgerReader;
  payments: PaymentDeps;
  accounts: AccountDeps;
  stop(): Promise<void>;
}

/**
 * The manifest's queues (each with its DLQ and redrive policy) on an emulator, named `<prefix><name>` as the tables
 * are: an emulator the user runs is shared by parallel test files and outlives the run, and may even hold a queue of
 * that name with other attributes, which CreateQueue would refuse. On fauxqs, started afresh per world, the plain
 * names of `ensureQueues`.
 */
const emulatorQueues = async (client: SQSClient, prefix: string): Promise<LocalQueues> => {
  const names = Object.keys(queueDefinitions) as QueueName[];
  const created = await createQueues(
    client,
    Object.fromEntries(names.map((name) => [`${prefix}${name}`, queueDefinitions[name]])),
  );
  return Object.fromEntries(
    names.map((name) => {
      const queue = created[`${prefix}${name}`];
      if (!queue) throw new Error(`createQueues answered no queue ${prefix}${name}`);
      return [name, queue];
    }),
  ) as LocalQueues;
};

/**
 * Real parts for payment tests: fresh tables on DynamoDB Local and the payment queue on an in-process fauxqs, or, on an
 * emulator run (see jest.emulator.config.js), both on the emulator.
 */
export const startPaymentWorld = async (): Promise<PaymentWorld> => {
  const db = await createTestTables();
  const emulatorSqs = process.env.TEST_SQS_ENDPOINT;
  const sqs = emulatorSqs ? undefined : await startSqs();
  const sqsClient = new SQSClient({
    endpoint: emulatorSqs ?? sqs?.inProcessEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const queues = emulatorSqs
    ? await emulatorQueues(sqsClient, `${emulatorRunPrefix() ?? 't'}${randomBytes(4).toString('hex')}-`)
    : await ensureQueues(sqsClient);
  const ledger = new DynamoLedgerReader(db.client, db.names);
  const writer = new DynamoLedgerWriter(db.client, db.names);
  const accountStore = new DynamoAccountStore(db.client, db.names);
  return {
    db,
    sqs,
    sqsClient,
    queues,
    ledger,
    payments: {
      accounts: accountStore,
      payments: new DynamoPaymentStore(db.client, db.names.payments, () =>
        paymentMetadataIndex(db.client, db.names.metadata),
      ),
      claims: new DynamoIdempotencyStore(db.client, db.names.idempotency),
      ledger: joinLedger(
        () => ledger,
        () => writer,
      ),
      queue: new SqsPaymentQueue(sqsClient, () => queues.payments.url),
      rates: new DynamoRateStore(db.client, db.names.rates),
      fees: DEFAULT_FEES,
      clock: systemClock,
    },
    accounts: { accounts: accountStore, balances: ledger, clock: systemClock },
    stop: async () => {
      sqsClient.destroy();
      await sqs?.stop();
      db.destroy();
    },
  };
};

/** Every page of a listing of payments, followed through its cursors (at most 1,000 pages). */
export const everyPage = async (
  world: PaymentWorld,
  caller: Principal,
  query: Omit<PaymentListQuery, 'cursor'>,
): Promise<Payment[][]> => {
  const pages: Payment[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listPayments(world.payments, caller, { ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 1_000);
  if (cursor) throw new Error('The listing did not end within 1,000 pages');
  return pages;
};

/** An operator, as the lists see one. */
export const operator: Principal = {
  userId: 'usr_operator',
  role: 'admin',
  tokenId: 'tok_operator',
  emailVerified: true,
};

/** A payment world for one test file: started before its tests, stopped after them. */
export const usePaymentWorld = (): (() => PaymentWorld) => {
  let world: PaymentWorld | undefined;
  beforeAll(async () => {
    world = await startPaymentWorld();
  }, 30_000);
  afterAll(async () => {
    await world?.stop();
  });
  return () => {
    if (!world) throw new Error('The payment world is not started: call this from a test or a hook');
    return world;
  };
};

export interface OperationItem {
  chain: string;
  seq: bigint;
  amount: bigint;
  balanceAfter: bigint;
  inputAfter: bigint;
  outputAfter: bigint;
  paymentId: string;
  currency: string;
  type: string;
}

/** The steps and checks the ledger's integration tests share, over a world started in `beforeAll`. */
export const ledgerHelpers = (current: () => PaymentWorld) => {
  let users = 0;
  const newUser = (): Principal => ({
    userId: `usr_test${++users}`,
    role: 'user',
    tokenId: 'tok_test',
    emailVerified: true,
  });

  /** A wallet, topped up by a processed bank deposit when `amount` is positive. */
  const fundedWallet = async (owner: Principal, amount: number, currency = 'USD') => {
    const world = current();
    const wallet = await openWallet(world.accounts, owner, { currency });
    if (amount > 0) {
      const deposit = await createDeposit(world.payments, {
        accountId: wallet.id,
        amount,
        currency,
        reference: `ref-${wallet.id}`,
      });
      await expect(processPayment(world.payments, deposit.id)).resolves.toBe('completed');
    }
    return wallet;
  };

  /**
   * Two new users: a payer with a wallet holding `funded`, and a payee with an empty wallet in the same currency; and
   * the request of a transfer of `amount` from one to the other.
   */
  const payerAndPayee = async (funded: number, currency = 'USD') => {
    const [ada, bob] = [newUser(), newUser()];
    const [source, destination] = await Promise.all([
      fundedWallet(ada, funded, currency),
      fundedWallet(bob, 0, currency),
    ]);
    const transfer = (amount: number) => ({
      type: 'transfer' as const,
      sourceAccountId: source.id,
      destinationAccountId: destination.id,
      amount,
      currency,
    });
    return { ada, bob, source, destination, transfer };
  };

  /** Every operation of one chain, in order. */
  const chainOf = async (chain: string): Promise<OperationItem[]> => {
    const { db } = current();
    const items = await queryItems(db.client, {
      TableName: db.names.operations,
      KeyConditionExpression: 'chain = :c',
      ExpressionAttributeValues: { ':c': chain },
      ConsistentRead: true,
    });
    return items as unknown as OperationItem[];
  };

  /**
   * Checks invariant 3 on one chain: seq 1..n without gaps, each balanceAfter the previous plus its amount, and the
   * running volumes consistent with it. Answers the chain's balance.
   */
  const expectUnbrokenChain = (operations: OperationItem[]) => {
    let [balance, input, output] = [0n, 0n, 0n];
    operations.forEach((operation, index) => {
      balance += operation.amount;
      if (operation.amount > 0n) input += operation.amount;
      else output -= operation.amount;
      expect({
        seq: operation.seq,
        balanceAfter: operation.balanceAfter,
        inputAfter: operation.inputAfter,
        outputAfter: operation.outputAfter,
      }).toEqual({ seq: BigInt(index + 1), balanceAfter: balance, inputAfter: input, outputAfter: output });
    });
    return balance;
  };

  /** Processes every payment, giving back to the queue (here: trying again) whatever failed, as SQS redelivery would. */
  const processAll = async (payments: readonly Payment[]) => {
    const world = current();
    const outcomes = new Map<string, string>();
    let left = [...payments];
    for (let delivery = 1; left.length > 0 && delivery <= 10; delivery++) {
      const results = await Promise.allSettled(left.map((p) => processPayment(world.payments, p.id)));
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') outcomes.set(left[index]!.id, result.value);
      });
      left = left.filter((p) => !outcomes.has(p.id));
    }
    return payments.map((p) => outcomes.get(p.id));
  };

  return { newUser, fundedWallet, payerAndPayee, chainOf, expectUnbrokenChain, processAll };
};
