import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { type AccountRecord, type AccountStatus, type Holdings, isTechnicalAccountId } from '../accounts/model';
import type { BalanceReader } from '../accounts/ports';
import { ValidationError } from '../errors';
import { newId } from '../ids';
import { chainsOf } from '../ledger/chains';
import { chainsMoved } from '../ledger/commitments';
import {
  type ChainHead,
  ClaimTakenError,
  type Commitment,
  CommitRefusedError,
  type LedgerReader,
  type LedgerWriter,
  type Operation,
  type OperationQuery,
  RefundLimitError,
  StaleChainError,
  StatusChangedError,
  type Transition,
  type Volumes,
} from '../ledger/ports';
import type { Leg, Movement, OperationType } from '../ledger/legs';
import { type Position, statementPage } from '../ledger/statement';
import { sortedPage } from '../sorted-page';
import type { Page } from '../page';
import type { FailureReason, Payment } from '../payments/model';
import { batchGet } from './batch';
import { decodeCursor, encodeCursor } from './cursor';
import { isConditionFailure } from './conditions';
import { claimPut } from './payment-store';
import { completedKey, feeKey } from './payment-keys';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const EMPTY_HEAD: ChainHead = { seq: 0n, balance: 0n, held: 0n, input: 0n, output: 0n, credits: 0n, createdAt: '' };

/**
 * The head of a chain lives on an item of the accounts table: a wallet's on the account itself (with its status, so
 * that a commit can require the wallet to be active), a shard's of a technical account on `<account id>#<shard>`,
 * an item with no kind or owner, which no index lists. A chain never written has no head: it is empty.
 */
const toHead = (item: Record<string, unknown> | undefined): ChainHead =>
  item === undefined
    ? EMPTY_HEAD
    : {
        seq: (item.seq as bigint | undefined) ?? 0n,
        balance: (item.balance as bigint | undefined) ?? 0n,
        held: (item.held as bigint | undefined) ?? 0n,
        input: (item.input as bigint | undefined) ?? 0n,
        output: (item.output as bigint | undefined) ?? 0n,
        credits: (item.credits as bigint | undefined) ?? 0n,
        createdAt: (item.lastAt as string | undefined) ?? '',
        ...(typeof item.status === 'string' ? { status: item.status as AccountStatus } : {}),
      };

/** An operation as a point of its chain, for bisection: the chain's state right after it. */
const toPoint = (item: Record<string, unknown>): ChainHead => ({
  seq: item.seq as bigint,
  balance: item.balanceAfter as bigint,
  held: 0n,
  input: (item.inputAfter as bigint | undefined) ?? 0n,
  output: (item.outputAfter as bigint | undefined) ?? 0n,
  credits: (item.creditsAfter as bigint | undefined) ?? 0n,
  createdAt: item.createdAt as string,
});

const POINT_ATTRIBUTES = 'seq, balanceAfter, inputAfter, outputAfter, creditsAfter, createdAt';

const fromOperationItem = (item: Record<string, unknown>): Operation => ({
  id: item.id as string,
  accountId: item.accountId as string,
  paymentId: item.paymentId as string,
  type: item.type as OperationType,
  amount: item.amount as bigint,
  currency: item.currency as string,
  balanceAfter: item.balanceAfter as bigint,
  counterpartyAccountId: item.counterpartyAccountId as string,
  createdAt: item.createdAt as string,
  chain: item.chain as string,
  seq: item.seq as bigint,
});

/** Operations read at most by one request of a statement. */
export const STATEMENT_READ_BUDGET = 1_000;

const whole = z.string().check(z.regex(/^-?[0-9]{1,40}$/));
const statementCursorShape = z.object({
  descending: z.boolean(),
  positions: z.record(z.string().check(z.maxLength(160)), z.tuple([whole, whole])),
});

const statementCursor = (descending: boolean, positions: ReadonlyMap<string, Position>): string =>
  encodeCursor({
    descending,
    positions: Object.fromEntries(
      [...positions].map(([chain, { seq, balance }]) => [chain, [seq.toString(), balance.toString()]]),
    ),
  });

/** The positions a cursor resumes from: it must be this account's, in this direction, naming each of its chains. */
const readStatementCursor = (query: OperationQuery, accountId: string, chains: readonly string[]) => {
  const cursor = decodeCursor(query.cursor ?? '', statementCursorShape);
  const named = Object.keys(cursor.positions);
  const fits =
    cursor.descending === query.descending &&
    named.length === chains.length &&
    named.every((chain) => chains.includes(chain) && chain.startsWith(accountId));
  if (!fits) throw new ValidationError([{ path: 'cursor', message: 'is not a cursor from this list' }]);
  return new Map(
    Object.entries(cursor.positions).map(([chain, [seq, balance]]) => [
      chain,
      { seq: BigInt(seq), balance: BigInt(balance) },
    ]),
  );
};

/** Whether an operation passes a statement's filters (its time range is the walk's). */
const keeps = (operation: Operation, query: OperationQuery): boolean =>
  (query.type === undefined || operation.type === query.type) &&
  (query.paymentId === undefined || operation.paymentId === query.paymentId) &&
  (query.counterpartyAccountId === undefined || operation.counterpartyAccountId === query.counterpartyAccountId) &&
  (query.minAmount === undefined || operation.amount >= query.minAmount) &&
  (query.maxAmount === undefined || operation.amount <= query.maxAmount) &&
  (query.from === undefined || operation.createdAt >= query.from) &&
  (query.to === undefined || operation.createdAt <= query.to);

const refusedByCondition = (code: string | undefined) => code === 'ConditionalCheckFailed';

/**
 * The ledger on DynamoDB. Each account's operations form a chain keyed by sequence number, and each chain has a head
 * (its last sequence number, balance and volumes) on an item of the accounts table. A commit updates the heads on
 * condition that they are still the ones the payment was planned on, and appends the operations after them, in one
 * transaction: two payments planned on the same head can never both commit, so the funds check made against that
 * head still holds when the write lands. All the heads a payment needs are read with one BatchGetItem.
 *
 * What reads it: the heads, and the operations table.
 */
export class DynamoLedgerReader implements LedgerReader, BalanceReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: { accounts: string; operations: string },
  ) {}

  async heads(chains: readonly string[]): Promise<Map<string, ChainHead>> {
    const unique = [...new Set(chains)];
    const items = await batchGet(this.client, this.tables.accounts, 'id', unique);
    const byId = new Map(items.map((item) => [item.id as string, item]));
    return new Map(unique.map((chain) => [chain, toHead(byId.get(chain))]));
  }

  private async head(chain: string): Promise<ChainHead> {
    return (await this.heads([chain])).get(chain) ?? EMPTY_HEAD;
  }

  /** The balances alone. */
  async balancesOf(accounts: readonly AccountRecord[]): Promise<Map<string, bigint>> {
    const holdings = await this.holdingsOf(accounts);
    return new Map([...holdings].map(([id, { balance }]) => [id, balance]));
  }

  async holdingsOf(accounts: readonly AccountRecord[]): Promise<Map<string, Holdings>> {
    const chains = accounts.map((account) => ({ id: account.id, chains: chainsOf(account) }));
    const heads = await this.heads(chains.flatMap((account) => account.chains));
    return new Map(
      chains.map(({ id, chains: own }) => [
        id,
        own.reduce<Holdings>(
          (sum, chain) => {
            const head = heads.get(chain) ?? EMPTY_HEAD;
            return { balance: sum.balance + head.balance, held: sum.held + head.held };
          },
          { balance: 0n, held: 0n },
        ),
      ]),
    );
  }

  /** Up to `count` operations of one chain beyond a position, in the statement's direction. */
  private readChain(descending: boolean) {
    return async (chain: string, position: Position, count: number) => {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tables.operations,
          KeyConditionExpression: `chain = :chain AND seq ${descending ? '<' : '>'} :seq`,
          ExpressionAttributeValues: { ':chain': chain, ':seq': position.seq },
          ScanIndexForward: !descending,
          Limit: count,
          ConsistentRead: true,
        }),
      );
      return { items: (out.Items ?? []).map(fromOperationItem), more: out.LastEvaluatedKey !== undefined };
    };
  }

  /** Where a statement starts on each chain: its `from` (ascending) or `to` (descending) bound, else an end. */
  private async startOf(chains: readonly string[], query: OperationQuery): Promise<Map<string, Position>> {
    const heads = await this.heads(chains);
    const starts = await Promise.all(
      chains.map(async (chain): Promise<[string, Position]> => {
        const head = heads.get(chain) ?? EMPTY_HEAD;
        if (!query.descending) {
          if (query.from === undefined) return [chain, { seq: 0n, balance: 0n }];
          const state = await this.chainAt(chain, query.from, false, head);
          return [chain, { seq: state.seq, balance: state.balance }];
        }
        const state = query.to === undefined ? head : await this.chainAt(chain, query.to, true, head);
        return [chain, { seq: state.seq + 1n, balance: state.balance }];
      }),
    );
    return new Map(starts);
  }

  /**
   * An account's operations in the order they were applied to it (time, then chain, then sequence number), every
   * `balanceAfter` the whole account's, a sharded one's included. The cursor carries each chain's position and
   * balance there. A page reads at most `STATEMENT_READ_BUDGET` operations, so a selective filter may answer a short
   * page with a cursor. Sorted by amount, the operations of the `from`/`to` range are sorted in memory, and must be at
   * most that many.
   */
  async operations(accountId: string, chains: readonly string[], query: OperationQuery): Promise<Page<Operation>> {
    const keep = (operation: Operation) => keeps(operation, query);
    const beyond = (operation: Operation) =>
      query.descending
        ? query.from !== undefined && operation.createdAt < query.from
        : query.to !== undefined && operation.createdAt > query.to;
    if (query.sort === 'amount') {
      const all = await statementPage(
        await this.startOf(chains, { ...query, descending: false }),
        this.readChain(false),
        {
          descending: false,
          limit: STATEMENT_READ_BUDGET + 1,
          budget: STATEMENT_READ_BUDGET,
          keep,
          beyond: (operation) => query.to !== undefined && operation.createdAt > query.to,
        },
      );
      if (all.next !== null) {
        throw new ValidationError([
          {
            path: 'sort',
            message: `sorting by amount orders at most ${STATEMENT_READ_BUDGET} operations: narrow from and to`,
          },
        ]);
      }
      return sortedPage(
        all.data,
        { field: 'amount', descending: query.descending },
        (operation) => operation.amount,
        query,
      );
    }
    const start =
      query.cursor === undefined ? await this.startOf(chains, query) : readStatementCursor(query, accountId, chains);
    const page = await statementPage(start, this.readChain(query.descending), {
      descending: query.descending,
      limit: query.limit,
      budget: STATEMENT_READ_BUDGET,
      keep,
      beyond,
    });
    return { data: page.data, nextCursor: page.next === null ? null : statementCursor(query.descending, page.next) };
  }

  private async operationAt(chain: string, seq: bigint): Promise<ChainHead> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.operations,
        Key: { chain, seq },
        ProjectionExpression: POINT_ATTRIBUTES,
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new Error(`Chain ${chain} has a gap at ${seq.toString()}`);
    return toPoint(Item);
  }

  /**
   * The chain as it stood at `at`: its last operation at or before that instant (strictly before, unless
   * `inclusive`). `createdAt` never decreases along a chain, so it is found by bisection: about log2(n) reads, however
   * long the history.
   */
  private async chainAt(chain: string, at: string, inclusive: boolean, known?: ChainHead): Promise<ChainHead> {
    const within = (createdAt: string) => (inclusive ? createdAt <= at : createdAt < at);
    const head = known ?? (await this.head(chain));
    if (head.seq === 0n || within(head.createdAt)) return head;
    let [low, high, found] = [1n, head.seq, EMPTY_HEAD];
    while (low <= high) {
      const middle = (low + high) / 2n;
      const operation = await this.operationAt(chain, middle);
      if (within(operation.createdAt)) {
        found = operation;
        low = middle + 1n;
      } else {
        high = middle - 1n;
      }
    }
    return found;
  }

  async balanceAt(chains: readonly string[], at: string): Promise<bigint> {
    const states = await Promise.all(chains.map((chain) => this.chainAt(chain, at, true)));
    return states.reduce((sum, state) => sum + state.balance, 0n);
  }

  async volumesBetween(chains: readonly string[], from: string, to: string): Promise<Volumes> {
    const heads = await this.heads(chains);
    const ends = await Promise.all(
      chains.map(async (chain) => {
        const head = heads.get(chain) ?? EMPTY_HEAD;
        const [start, end] = await Promise.all([
          this.chainAt(chain, from, false, head),
          this.chainAt(chain, to, false, head),
        ]);
        return {
          count: end.seq - start.seq,
          credits: end.credits - start.credits,
          input: end.input - start.input,
          output: end.output - start.output,
        };
      }),
    );
    return ends.reduce(
      (sum, volumes) => ({
        count: sum.count + volumes.count,
        credits: sum.credits + volumes.credits,
        input: sum.input + volumes.input,
        output: sum.output + volumes.output,
      }),
      { count: 0n, credits: 0n, input: 0n, output: 0n },
    );
  }
}

/** A leg of one of the payments committed together. */
interface PaymentLeg {
  leg: Leg;
  paymentId: string;
}

/** A chain's part of a commit: the operations appended to it and its head after them. */
const appendTo = (chain: string, head: ChainHead, legs: readonly PaymentLeg[], now: string) => {
  let state = head;
  const operations = legs.map(({ leg, paymentId }) => {
    state = {
      ...state,
      seq: state.seq + 1n,
      balance: state.balance + leg.amount,
      // The chain's volumes: everything it was ever credited and debited, and how many credits. Their differences
      // between two points in time answer "how much came in, how much went out" without reading the operations in
      // between.
      input: state.input + (leg.amount > 0n ? leg.amount : 0n),
      output: state.output + (leg.amount < 0n ? -leg.amount : 0n),
      credits: state.credits + (leg.amount > 0n ? 1n : 0n),
      // Never earlier than the operation before it, whatever this host's clock says: `createdAt` grows with `seq`,
      // which is what lets a balance at a point in time be found by bisection.
      createdAt: state.createdAt > now ? state.createdAt : now,
    };
    return {
      chain,
      seq: state.seq,
      id: newId('op'),
      accountId: leg.accountId,
      paymentId,
      type: leg.type,
      amount: leg.amount,
      currency: leg.currency,
      balanceAfter: state.balance,
      inputAfter: state.input,
      outputAfter: state.output,
      creditsAfter: state.credits,
      counterpartyAccountId: leg.counterpartyAccountId,
      createdAt: state.createdAt,
    };
  });
  return { operations, next: state };
};

/** One chain's share of a commit: what is appended to it, and how much more (or less) its wallet holds. */
interface ChainChange {
  chain: string;
  head: ChainHead;
  legs: PaymentLeg[];
  held: bigint;
  /** A wallet that sends or receives must still be active; one that only gets its own money back need not. */
  requireActive: boolean;
}

/** Each chain the commitments move, once, with the legs of every payment on it in the order of the payments. */
const changesOf = (commitments: readonly Commitment[], heads: ReadonlyMap<string, ChainHead>): ChainChange[] => {
  const entries = commitments.flatMap(({ transition, movement }) =>
    [...movement.legs, ...movement.tallies].map((leg) => ({ leg, paymentId: transition.payment.id })),
  );
  const changes = commitments.flatMap(({ movement }) => movement.held);
  const sends = commitments.flatMap(({ movement }) =>
    movement.legs.filter((leg) => !isTechnicalAccountId(leg.accountId) && leg.type !== 'release'),
  );
  const chains = commitments.flatMap(({ movement }) => chainsMoved(movement));
  return [...new Set(chains)].map((chain) => ({
    chain,
    head: heads.get(chain) ?? EMPTY_HEAD,
    legs: entries.filter(({ leg }) => leg.chain === chain),
    held: changes.filter((change) => change.chain === chain).reduce((sum, change) => sum + change.amount, 0n),
    requireActive: sends.some((leg) => leg.chain === chain),
  }));
};

/**
 * The update of a chain's head, on condition that it is still the head the legs were planned on: a wallet's head is
 * its account, which must also still be active when it sends or receives (a frozen or closed account does neither); a
 * shard's head is made by its first commit. What a wallet holds is only ever added to, in the transaction of the
 * payment that holds or releases it, so a head moved by no leg (a capture that releases nothing) needs no condition.
 */
const headUpdate = (table: string, { chain, head, held, requireActive }: ChainChange, next: ChainHead) => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const conditions: string[] = [];
  if (next.seq !== head.seq) {
    sets.push(
      'seq = :seq, balance = :balance, #input = :input, #output = :output, credits = :credits, lastAt = :lastAt',
    );
    Object.assign(names, { '#input': 'input', '#output': 'output' });
    Object.assign(values, {
      ':previous': head.seq,
      ':seq': next.seq,
      ':balance': next.balance,
      ':input': next.input,
      ':output': next.output,
      ':credits': next.credits,
      ':lastAt': next.createdAt,
    });
    conditions.push(head.seq === 0n ? '(attribute_not_exists(seq) OR seq = :previous)' : 'seq = :previous');
  } else {
    conditions.push('attribute_exists(id)');
  }
  if (requireActive) {
    conditions.push('#status = :active');
    names['#status'] = 'status';
    values[':active'] = 'active';
  }
  return {
    Update: {
      TableName: table,
      Key: { id: chain },
      UpdateExpression: [
        ...(sets.length > 0 ? [`SET ${sets.join(', ')}`] : []),
        ...(held === 0n ? [] : ['ADD held :held']),
      ].join(' '),
      ConditionExpression: conditions.join(' AND '),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: { ...values, ...(held === 0n ? {} : { ':held': held }) },
    },
  };
};

// The fields a transition may set on a payment, besides its status and `updatedAt`.
const TRANSITION_FIELDS = [
  'completedAt',
  'authorizedAt',
  'authorizationExpiresAt',
  'capturedAmount',
  'fee',
  'voidReason',
] as const satisfies readonly (keyof Payment)[];

/**
 * The payment's move to its new status, on condition that it is still in the one the transition starts from. The
 * sparse `pending` index loses it once it leaves INITIATED; the sparse `authorized` index holds it, by expiry, while
 * it is AUTHORIZED. The keys of its operations stay with the payment: its statement lines are found from it.
 */
const paymentUpdate = (table: string, { payment, from, claimPush }: Transition, operationKeys: string[]) => {
  const fields = TRANSITION_FIELDS.filter((field) => payment[field] !== undefined);
  const authorized = payment.status === 'AUTHORIZED';
  const captured = from === 'AUTHORIZED' && payment.status === 'COMPLETED';
  const sets = [
    '#status = :to',
    'updatedAt = :updatedAt',
    ...fields.map((field) => `${field} = :${field}`),
    'operationKeys = list_append(if_not_exists(operationKeys, :none), :keys)',
    ...(authorized ? ['authorized = :to'] : []),
    // The list's indexes by completion and by fee follow the payment: completing adds it to the first, a capture's
    // fee (recomputed on the amount captured) moves it in the second.
    ...(payment.status === 'COMPLETED' && payment.completedAt !== undefined ? ['completedKey = :completedKey'] : []),
    ...(captured ? ['feeKey = :feeKey'] : []),
    // The state whose push its writer makes itself: the notifier waits for that push rather than making another.
    ...(claimPush ? ['pushClaim = :to'] : []),
  ];
  const removes = [...(from === 'INITIATED' ? ['pending'] : []), ...(from === 'AUTHORIZED' ? ['authorized'] : [])];
  return {
    Update: {
      TableName: table,
      Key: { id: payment.id },
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':to': payment.status,
        ':from': from,
        ':updatedAt': payment.updatedAt,
        ...Object.fromEntries(fields.map((field) => [`:${field}`, payment[field]])),
        ':none': [],
        ':keys': operationKeys,
        ...(payment.status === 'COMPLETED' && payment.completedAt !== undefined
          ? { ':completedKey': completedKey(payment.completedAt, payment.id) }
          : {}),
        ...(captured ? { ':feeKey': feeKey(payment.fee, payment.id) } : {}),
      },
    },
  };
};

/**
 * A refund's share of its original: `refundedAmount` grows by the refund, on condition that it stays within the
 * original's amount. DynamoDB conditions cannot add, so the condition is on what the total may be before it.
 */
const refundedUpdate = (table: string, refunds: NonNullable<Transition['refunds']>, now: string) => ({
  Update: {
    TableName: table,
    Key: { id: refunds.paymentId },
    UpdateExpression: 'SET updatedAt = :now ADD refundedAmount :amount',
    ConditionExpression: 'attribute_not_exists(refundedAmount) OR refundedAmount <= :most',
    ExpressionAttributeValues: { ':now': now, ':amount': refunds.amount, ':most': refunds.limit - refunds.amount },
  },
});

/**
 * What writes the ledger: a payment's operations appended to their chains, their heads moved, and the payment's new
 * state, in one transaction; so it needs the payments and accounts tables as well as the operations table (and the
 * idempotency table for a transition asked for under a key, which is claimed in the same transaction).
 */
export class DynamoLedgerWriter implements LedgerWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: {
      readonly payments: string;
      readonly operations: string;
      readonly accounts: string;
      readonly idempotency?: string;
    },
  ) {}

  private claimTable(): string {
    if (this.tables.idempotency === undefined) throw new Error('This ledger writer has no idempotency table');
    return this.tables.idempotency;
  }

  async commit(
    transition: Transition,
    movement: Movement,
    heads: ReadonlyMap<string, ChainHead>,
    at: Date,
  ): Promise<void> {
    try {
      await this.commitTogether([{ transition, movement }], heads, at);
    } catch (error) {
      if (!(error instanceof CommitRefusedError)) throw error;
      if (error.statusChanged.length > 0) throw new StatusChangedError(transition.payment.id);
      if (error.refundLimit.length > 0) throw new RefundLimitError(transition.payment.id);
      throw new ClaimTakenError(transition.claim?.key ?? '');
    }
  }

  async commitTogether(
    commitments: readonly Commitment[],
    heads: ReadonlyMap<string, ChainHead>,
    at: Date,
  ): Promise<void> {
    const now = at.toISOString();
    const changes = changesOf(commitments, heads).map((change) => ({
      change,
      ...appendTo(change.chain, change.head, change.legs, now),
    }));
    const operations = changes.flatMap(({ operations: appended }) => appended);
    // Each item's owner, in the order of the items, to tell whose condition refused a cancelled transaction.
    const owned: { item: TransactItem; refusal?: 'status' | 'refund' | 'claim'; paymentId?: string }[] = [
      ...commitments.map(({ transition, movement }) => {
        const own = new Set(movement.legs.map((leg) => leg.chain));
        const statementKeys = operations
          .filter((operation) => operation.paymentId === transition.payment.id && own.has(operation.chain))
          .map((operation) => `${operation.chain}#${operation.seq.toString()}`);
        return {
          item: paymentUpdate(this.tables.payments, transition, statementKeys),
          refusal: 'status' as const,
          paymentId: transition.payment.id,
        };
      }),
      ...commitments.flatMap(({ transition: { refunds, payment } }) =>
        refunds
          ? [
              {
                item: refundedUpdate(this.tables.payments, refunds, now),
                refusal: 'refund' as const,
                paymentId: payment.id,
              },
            ]
          : [],
      ),
      ...commitments.flatMap(({ transition: { claim, payment } }) =>
        claim ? [{ item: claimPut(this.claimTable(), claim), refusal: 'claim' as const, paymentId: payment.id }] : [],
      ),
      ...changes.map(({ change, next }) => ({ item: headUpdate(this.tables.accounts, change, next) })),
      ...operations.map((Item) => ({
        item: { Put: { TableName: this.tables.operations, Item, ConditionExpression: 'attribute_not_exists(chain)' } },
      })),
    ];
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: owned.map(({ item }) => item) }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const refusedBy = (kind: 'status' | 'refund' | 'claim') =>
        owned.flatMap(({ refusal, paymentId }, index) =>
          refusal === kind && paymentId !== undefined && refusedByCondition(reasons[index]?.Code) ? [paymentId] : [],
        );
      const [status, refund, claim] = [refusedBy('status'), refusedBy('refund'), refusedBy('claim')];
      if (status.length + refund.length + claim.length > 0) throw new CommitRefusedError(status, refund, claim);
      if (reasons.some((reason) => refusedByCondition(reason.Code) || reason.Code === 'TransactionConflict')) {
        throw new StaleChainError();
      }
      throw error;
    }
  }

  async fail(payment: Payment, reason: FailureReason, at: Date, claimPush = false): Promise<void> {
    const update = {
      TableName: this.tables.payments,
      Key: { id: payment.id },
      UpdateExpression: `SET #status = :failed, failureReason = :reason, updatedAt = :now${claimPush ? ', pushClaim = :failed' : ''} REMOVE pending`,
      ConditionExpression: '#status = :initiated',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': 'FAILED',
        ':initiated': 'INITIATED',
        ':reason': reason,
        ':now': at.toISOString(),
      },
    };
    try {
      if (payment.refundOf === undefined) {
        await this.client.send(new UpdateCommand(update));
        return;
      }
      // A refund that fails no longer counts against what its original may still refund.
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: update },
            {
              Update: {
                TableName: this.tables.payments,
                Key: { id: payment.refundOf },
                UpdateExpression: 'ADD refundsReserved :released',
                ExpressionAttributeValues: { ':released': -payment.amount },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StatusChangedError(payment.id);
      if (error instanceof TransactionCanceledException) {
        const [own, original] = error.CancellationReasons ?? [];
        if (refusedByCondition(own?.Code)) throw new StatusChangedError(payment.id);
        if (own?.Code === 'TransactionConflict' || original?.Code === 'TransactionConflict')
          throw new StaleChainError();
      }
      throw error;
    }
  }
}
