import { useCallback, useState } from 'preact/hooks';
import { api, toProblem } from '../api';
import {
  Pager,
  PaymentTable,
  ProblemMessage,
  Section,
  useCursorPages,
  useLivePayments,
  useLoad,
  AccountLink,
} from '../components';
import { feed, isSettled } from '../live';
import { formatMoney, formatTime, parseMajor } from '../money';
import type { Account, Operation, Page, Payment, Problem } from '../types';

const Details = ({ account }: { account: Account }) => (
  <dl class="details">
    <dt>Id</dt>
    <dd>
      <code>{account.id}</code>
    </dd>
    <dt>Kind</dt>
    <dd>
      {account.kind} ({account.purpose})
    </dd>
    <dt>Owner</dt>
    <dd>{account.ownerId ?? '—'}</dd>
    <dt>Status</dt>
    <dd>
      <span class={`status status-${account.status}`}>{account.status}</span>
    </dd>
    <dt>Balance</dt>
    <dd data-testid="balance">{formatMoney(account.balance, account.currency)}</dd>
    {account.held === undefined ? null : (
      <>
        <dt>Held</dt>
        <dd>{formatMoney(account.held, account.currency)}</dd>
      </>
    )}
    <dt>Created</dt>
    <dd>{formatTime(account.createdAt)}</dd>
  </dl>
);

/** Freeze and unfreeze (`POST /v1/admin/accounts/{id}/freeze`, `/unfreeze`), with an optional reason. */
const Controls = ({ account, onChange }: { account: Account; onChange: (account: Account) => void }) => {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const act = (action: 'freeze' | 'unfreeze') => {
    setProblem(undefined);
    api<Account>('POST', `/v1/admin/accounts/${encodeURIComponent(account.id)}/${action}`, {
      body: reason.trim() === '' ? {} : { reason: reason.trim() },
    }).then(onChange, (error: unknown) => {
      setProblem(toProblem(error));
    });
  };
  return (
    <form
      class="inline"
      aria-label="Account controls"
      onSubmit={(event) => {
        event.preventDefault();
      }}
    >
      <label>
        Reason (optional)
        <input
          type="text"
          value={reason}
          maxLength={500}
          onInput={(event) => {
            setReason(event.currentTarget.value);
          }}
        />
      </label>
      <button
        type="button"
        onClick={() => {
          act('freeze');
        }}
        disabled={account.status === 'frozen'}
      >
        Freeze
      </button>
      <button
        type="button"
        onClick={() => {
          act('unfreeze');
        }}
        disabled={account.status !== 'frozen'}
      >
        Unfreeze
      </button>
      <ProblemMessage problem={problem} />
    </form>
  );
};

/** A bank top-up recorded by the operator (`POST /v1/admin/deposits`), idempotent on the bank's reference. */
const DepositForm = ({ account, onCreated }: { account: Account; onCreated: (payment: Payment) => void }) => {
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const submit = () => {
    const minor = parseMajor(amount, account.currency);
    if (minor === undefined) {
      setProblem({ title: `Enter a positive amount in ${account.currency}`, status: 0 });
      return;
    }
    setProblem(undefined);
    api<Payment>('POST', '/v1/admin/deposits', {
      body: { accountId: account.id, amount: minor, currency: account.currency, reference: reference.trim() },
    }).then(
      (payment) => {
        onCreated(payment);
        feed.subscribe(payment.id);
        setAmount('');
        setReference('');
      },
      (error: unknown) => {
        setProblem(toProblem(error));
      },
    );
  };
  return (
    <form
      class="inline"
      aria-label="Record a bank deposit"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label>
        Amount ({account.currency})
        <input
          type="text"
          inputMode="decimal"
          required
          value={amount}
          onInput={(event) => {
            setAmount(event.currentTarget.value);
          }}
        />
      </label>
      <label>
        Bank reference
        <input
          type="text"
          required
          maxLength={128}
          value={reference}
          onInput={(event) => {
            setReference(event.currentTarget.value);
          }}
        />
      </label>
      <button type="submit">Record deposit</button>
      <ProblemMessage problem={problem} />
    </form>
  );
};

const Statement = ({ account, version }: { account: Account; version: string }) => {
  const pages = useCursorPages([account.id]);
  const page = useLoad(
    () =>
      api<Page<Operation>>('GET', `/v1/accounts/${encodeURIComponent(account.id)}/operations`, {
        query: { limit: 20, cursor: pages.cursor, sort: '-createdAt' },
      }),
    [account.id, pages.cursor, version],
  );
  return (
    <>
      <ProblemMessage problem={page.problem} />
      <div class="table-scroll">
        <table>
          <caption>Operations, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col" class="number">
                Amount
              </th>
              <th scope="col" class="number">
                Balance after
              </th>
              <th scope="col">Counterparty</th>
              <th scope="col">Payment</th>
            </tr>
          </thead>
          <tbody>
            {(page.value?.data ?? []).length === 0 ? (
              <tr>
                <td colSpan={6}>{page.loading ? 'Loading…' : 'No operations.'}</td>
              </tr>
            ) : null}
            {(page.value?.data ?? []).map((operation) => (
              <tr key={operation.id}>
                <td>{formatTime(operation.createdAt)}</td>
                <td>{operation.type}</td>
                <td class="number">{formatMoney(operation.amount, operation.currency)}</td>
                <td class="number">{formatMoney(operation.balanceAfter, operation.currency)}</td>
                <td>
                  <AccountLink id={operation.counterpartyAccountId} />
                </td>
                <td>
                  <code>{operation.paymentId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        label="Operation pages"
        first={pages.first}
        nextCursor={page.value?.nextCursor}
        onNext={pages.next}
        onPrevious={pages.previous}
      />
    </>
  );
};

export const AccountPage = ({ id }: { id: string }) => {
  const payments = useLoad(
    () => api<Page<Payment>>('GET', '/v1/payments', { query: { accountId: id, limit: 10, sort: '-createdAt' } }),
    [id],
  );
  const accepts = useCallback(
    (payment: Payment) => payment.sourceAccountId === id || payment.destinationAccountId === id,
    [id],
  );
  const live = useLivePayments(payments.value?.data, accepts);
  // A payment of this account that settled moved its balance: read the account and its statement again.
  const settledVersion = live.rows
    .filter(isSettled)
    .map((payment) => `${payment.id}:${payment.status}`)
    .join(',');
  const loaded = useLoad(() => api<Account>('GET', `/v1/accounts/${encodeURIComponent(id)}`), [id, settledVersion]);
  const [changed, setChanged] = useState<Account>();
  const fresh = loaded.value?.id === id ? loaded.value : undefined;
  const shown =
    changed?.id === id && (fresh === undefined || (changed.updatedAt ?? '') >= (fresh.updatedAt ?? ''))
      ? changed
      : fresh;

  return (
    <>
      <h1>
        Account <code>{id}</code>
      </h1>
      <ProblemMessage problem={loaded.problem} />
      {shown === undefined ? (
        <p>{loaded.loading ? 'Loading…' : ''}</p>
      ) : (
        <>
          <Section title="Details" id="account-details">
            <Details account={shown} />
            <Controls account={shown} onChange={setChanged} />
          </Section>
          <Section title="Bank deposit" id="account-deposit">
            <DepositForm
              account={shown}
              onCreated={(payment) => {
                live.upsert(payment, true);
              }}
            />
          </Section>
          <Section title="Latest payments" id="account-payments">
            <PaymentTable rows={live.rows} caption="Payments from or to this account, newest first" />
          </Section>
          <Section title="Statement" id="account-statement">
            <Statement account={shown} version={settledVersion} />
          </Section>
        </>
      )}
    </>
  );
};
