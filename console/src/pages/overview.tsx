import { useMemo, useState } from 'preact/hooks';
import { all, api } from '../api';
import { DailyChart, type Series } from '../chart';
import { ProblemMessage, Section, useLoad } from '../components';
import { formatMinor, formatMoney, toMajor } from '../money';
import type { Account, CurrencySummary, Summary } from '../types';

const DAY_MS = 24 * 60 * 60 * 1000;
const PERIODS = [7, 14, 30];

/** The days of the period ending today (UTC), as `[from, to)` pairs. */
const daysOf = (count: number): { from: Date; to: Date }[] => {
  const tomorrow = new Date(
    Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1),
  );
  return Array.from({ length: count }, (_, index) => {
    const to = new Date(tomorrow.getTime() - (count - 1 - index) * DAY_MS);
    return { from: new Date(to.getTime() - DAY_MS), to };
  });
};

/** At most `width` calls at once: a 30-day chart is 30 report calls, one per day. */
const inBatches = async <T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    results.push(...(await Promise.all(items.slice(start, start + width).map(work))));
  }
  return results;
};

const summaryOf = (from: Date, to: Date) =>
  api<Summary>('GET', '/v1/admin/reports/summary', { query: { from: from.toISOString(), to: to.toISOString() } });

const ZERO: CurrencySummary = {
  currency: '',
  commission: 0,
  deposits: { count: 0, sum: 0 },
  withdrawals: { count: 0, sum: 0 },
};

const PURPOSES = ['fees', 'bank', 'withdrawals', 'fx', 'holds'];

export const Overview = () => {
  const [period, setPeriod] = useState(7);
  const [chosen, setChosen] = useState<string | undefined>();
  const accounts = useLoad(() => all<Account>('/v1/admin/accounts', { kind: 'technical' }), []);
  const report = useLoad(async () => {
    const days = daysOf(period);
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) throw new Error('empty period');
    const [total, daily] = await Promise.all([
      summaryOf(first.from, last.to),
      inBatches(days, 6, (day) => summaryOf(day.from, day.to)),
    ]);
    return { total, daily, days };
  }, [period]);

  const currencies = useMemo(() => {
    const codes = new Set([
      ...(accounts.value ?? []).map((account) => account.currency),
      ...(report.value?.total.data ?? []).map((row) => row.currency),
    ]);
    return [...codes].sort();
  }, [accounts.value, report.value]);
  const currency = chosen !== undefined && currencies.includes(chosen) ? chosen : currencies[0];

  const chart = useMemo(() => {
    if (report.value === undefined || currency === undefined) return undefined;
    const rows = report.value.daily.map((day) => day.data.find((row) => row.currency === currency) ?? ZERO);
    const hasRefunds = report.value.daily.some((day) => day.data.some((row) => row.refunds !== undefined));
    const series: Series[] = [
      { label: 'Commission', color: '#7b3fa0', values: rows.map((row) => toMajor(row.commission, currency)) },
      { label: 'Deposits', color: '#1f7a3a', values: rows.map((row) => toMajor(row.deposits.sum, currency)) },
      { label: 'Withdrawals', color: '#b3541e', values: rows.map((row) => toMajor(row.withdrawals.sum, currency)) },
      ...(hasRefunds
        ? [{ label: 'Refunds', color: '#1c5fa8', values: rows.map((row) => toMajor(row.refunds?.sum ?? 0, currency)) }]
        : []),
    ];
    return { rows, series, hasRefunds, days: report.value.days.map((day) => day.from.getTime() / 1000) };
  }, [report.value, currency]);

  return (
    <>
      <h1>Overview</h1>
      <Section title="Technical accounts" id="technical-accounts">
        <ProblemMessage problem={accounts.problem} />
        {accounts.value === undefined ? (
          <p>{accounts.loading ? 'Loading…' : ''}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption>Balances of the technical accounts, per currency</caption>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  {PURPOSES.map((purpose) => (
                    <th scope="col" class="number" key={purpose}>
                      {purpose}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {currencies.map((code) => (
                  <tr key={code}>
                    <th scope="row">{code}</th>
                    {PURPOSES.map((purpose) => {
                      const account = accounts.value?.find((a) => a.currency === code && a.purpose === purpose);
                      return (
                        <td class="number" key={purpose}>
                          {account === undefined ? (
                            '—'
                          ) : (
                            <a href={`#/accounts/${encodeURIComponent(account.id)}`} title={account.id}>
                              {formatMinor(account.balance, code)}
                            </a>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Summary report" id="summary-report">
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
          }}
        >
          <label>
            Period
            <select
              value={period}
              onChange={(event) => {
                setPeriod(Number(event.currentTarget.value));
              }}
            >
              {PERIODS.map((days) => (
                <option value={days} key={days}>
                  Last {days} days
                </option>
              ))}
            </select>
          </label>
          <label>
            Currency
            <select
              value={currency}
              onChange={(event) => {
                setChosen(event.currentTarget.value);
              }}
            >
              {currencies.map((code) => (
                <option key={code}>{code}</option>
              ))}
            </select>
          </label>
        </form>
        <ProblemMessage problem={report.problem} />
        {report.loading && report.value === undefined ? <p>Loading…</p> : null}
        {report.value === undefined ? null : (
          <div class="table-scroll">
            <table>
              <caption>
                Totals from {report.value.total.from.slice(0, 10)} to {report.value.total.to.slice(0, 10)} (exclusive)
              </caption>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col" class="number">
                    Commission
                  </th>
                  <th scope="col" class="number">
                    Deposits
                  </th>
                  <th scope="col" class="number">
                    Withdrawals
                  </th>
                  <th scope="col" class="number">
                    Refunds
                  </th>
                  <th scope="col" class="number">
                    Exchanges
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.value.total.data.length === 0 ? (
                  <tr>
                    <td colSpan={6}>Nothing happened in this period.</td>
                  </tr>
                ) : null}
                {report.value.total.data.map((row) => (
                  <tr key={row.currency}>
                    <th scope="row">{row.currency}</th>
                    <td class="number">{formatMoney(row.commission, row.currency)}</td>
                    <td class="number">
                      {formatMoney(row.deposits.sum, row.currency)} ({row.deposits.count})
                    </td>
                    <td class="number">
                      {formatMoney(row.withdrawals.sum, row.currency)} ({row.withdrawals.count})
                    </td>
                    <td class="number">
                      {row.refunds === undefined
                        ? '—'
                        : `${formatMoney(row.refunds.sum, row.currency)} (${row.refunds.count})`}
                    </td>
                    <td class="number">{row.exchanges?.count ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {chart === undefined || currency === undefined ? null : (
          <>
            <DailyChart
              days={chart.days}
              series={chart.series}
              label={`Daily ${chart.series.map((line) => line.label.toLowerCase()).join(', ')} in ${currency}; the table below lists the figures`}
            />
            <div class="table-scroll">
              <table class="daily">
                <caption>Daily figures in {currency}</caption>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    {chart.series.map((line) => (
                      <th scope="col" class="number" key={line.label}>
                        {line.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {chart.rows.map((row, index) => (
                    <tr key={chart.days[index]}>
                      <th scope="row">{new Date((chart.days[index] ?? 0) * 1000).toISOString().slice(0, 10)}</th>
                      <td class="number">{formatMinor(row.commission, currency)}</td>
                      <td class="number">{formatMinor(row.deposits.sum, currency)}</td>
                      <td class="number">{formatMinor(row.withdrawals.sum, currency)}</td>
                      {chart.hasRefunds ? <td class="number">{formatMinor(row.refunds?.sum ?? 0, currency)}</td> : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Section>
    </>
  );
};
