import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, toProblem } from './api';
import { feed, isSettled, newer } from './live';
import { formatMoney, formatTime } from './money';
import type { Payment, Problem } from './types';

/** A problem+json answer as the operator reads it: title, detail, code, and each offending field. */
export const ProblemMessage = ({ problem }: { problem: Problem | undefined }) =>
  problem === undefined ? null : (
    <div class="problem" role="alert">
      <strong>{problem.title}</strong>
      {problem.status > 0 ? ` (${problem.status}${problem.code === undefined ? '' : `, ${problem.code}`})` : ''}
      {problem.detail === undefined || problem.detail === '' ? null : <p>{problem.detail}</p>}
      {problem.errors?.length ? (
        <ul>
          {problem.errors.map((error) => (
            <li key={error.path}>
              <code>{error.path}</code>: {error.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );

/** What a read answered: its value, its problem, and whether it is still on its way. */
export const useLoad = <T,>(load: () => Promise<T>, deps: unknown[]) => {
  const [state, setState] = useState<{ value?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (value) => {
        if (current) setState({ value, loading: false });
      },
      (error: unknown) => {
        if (current) setState({ problem: toProblem(error), loading: false });
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);
  return {
    ...state,
    reload: () => {
      setVersion((v) => v + 1);
    },
  };
};

let announceTo: ((text: string) => void) | undefined;

/** Says something to screen readers (and shows it) in the page's one polite live region. */
export const announce = (text: string): void => announceTo?.(text);

export const LiveRegion = () => {
  const [text, setText] = useState('');
  useEffect(() => {
    announceTo = setText;
    return () => {
      announceTo = undefined;
    };
  }, []);
  return (
    <p class="announcer" role="status" aria-live="polite">
      {text}
    </p>
  );
};

export const AccountLink = ({ id }: { id: string | null }) =>
  id === null ? <span>—</span> : <a href={`#/accounts/${encodeURIComponent(id)}`}>{id}</a>;

export const Section = ({ title, children, id }: { title: string; id: string; children: ComponentChildren }) => (
  <section aria-labelledby={id}>
    <h2 id={id}>{title}</h2>
    {children}
  </section>
);

const UNSETTLED_POLL_MS = 5_000;

/**
 * Rows of payments that follow each payment's state: pushes over the WebSocket update a row (or add a new one that
 * `accepts` says belongs on this page), and rows still unsettled are read again every few seconds, as the socket
 * only pushes the payments of accounts the operator owns.
 */
export const useLivePayments = (initial: Payment[] | undefined, accepts: (payment: Payment) => boolean) => {
  const [rows, setRows] = useState<Payment[]>([]);
  useEffect(() => {
    setRows(initial ?? []);
  }, [initial]);
  const upsert = (payment: Payment, prepend: boolean) => {
    setRows((current) => {
      const index = current.findIndex((row) => row.id === payment.id);
      if (index === -1) return prepend ? [payment, ...current] : current;
      const next = [...current];
      next[index] = newer(current[index], payment);
      return next;
    });
  };
  useEffect(
    () =>
      feed.onPayment((payment, pushed) => {
        upsert(payment, accepts(payment));
        if (pushed.event !== undefined) announce(`Payment ${payment.id} is ${payment.status.toLowerCase()} (live)`);
      }),
    [accepts],
  );
  useEffect(() => {
    const timer = setInterval(() => {
      for (const row of rows.filter((payment) => !isSettled(payment)).slice(0, 10)) {
        api<Payment>('GET', `/v1/payments/${encodeURIComponent(row.id)}`).then(
          (payment) => {
            upsert(payment, false);
          },
          () => undefined,
        );
      }
    }, UNSETTLED_POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [rows]);
  return { rows, upsert };
};

export const PaymentTable = ({ rows, caption }: { rows: Payment[]; caption: string }) => (
  <div class="table-scroll">
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Payment</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col" class="number">
            Amount
          </th>
          <th scope="col" class="number">
            Fee
          </th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={8}>No payments on this page.</td>
          </tr>
        ) : (
          rows.map((payment) => (
            <tr key={payment.id} data-payment-id={payment.id} data-status={payment.status}>
              <td>
                <code>{payment.id}</code>
              </td>
              <td>{payment.type}</td>
              <td>
                <span class={`status status-${payment.status.toLowerCase()}`}>{payment.status}</span>
                {payment.failureReason === undefined ? null : <small> {payment.failureReason}</small>}
              </td>
              <td class="number">{formatMoney(payment.amount, payment.currency)}</td>
              <td class="number">{formatMoney(payment.fee, payment.currency)}</td>
              <td>
                <AccountLink id={payment.sourceAccountId} />
              </td>
              <td>
                <AccountLink id={payment.destinationAccountId} />
              </td>
              <td>{formatTime(payment.createdAt)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  </div>
);

/** Previous / next over cursor pages: the cursors of the pages seen so far are kept to step back. */
export const useCursorPages = (reset: unknown[]) => {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => {
    setCursors([undefined]);
  }, reset);
  const cursor = cursors.at(-1);
  return {
    cursor,
    first: cursors.length === 1,
    next: (nextCursor: string) => {
      setCursors([...cursors, nextCursor]);
    },
    previous: () => {
      setCursors(cursors.slice(0, -1));
    },
  };
};

export const Pager = ({
  first,
  nextCursor,
  onNext,
  onPrevious,
  label,
}: {
  first: boolean;
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  label: string;
}) => (
  <nav class="pager" aria-label={label}>
    <button type="button" disabled={first} onClick={onPrevious}>
      Previous page
    </button>
    <button
      type="button"
      disabled={nextCursor === null || nextCursor === undefined}
      onClick={() => {
        if (nextCursor) onNext(nextCursor);
      }}
    >
      Next page
    </button>
  </nav>
);
