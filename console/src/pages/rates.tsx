import { useState } from 'preact/hooks';
import { all, api, toProblem } from '../api';
import { ProblemMessage, Section, useLoad } from '../components';
import { formatTime } from '../money';
import { currencies } from '../openapi';
import type { Problem, Rate } from '../types';

const pairPath = (base: string, quote: string) =>
  `/v1/admin/rates/${encodeURIComponent(base)}/${encodeURIComponent(quote)}`;

const History = ({ base, quote, version }: { base: string; quote: string; version: number }) => {
  const history = useLoad(() => all<Rate>(`${pairPath(base, quote)}/history`, {}, 200), [base, quote, version]);
  return (
    <>
      <ProblemMessage problem={history.problem} />
      <div class="table-scroll">
        <table>
          <caption>
            History of {base}/{quote}
          </caption>
          <thead>
            <tr>
              <th scope="col">Set at</th>
              <th scope="col" class="number">
                Rate
              </th>
            </tr>
          </thead>
          <tbody>
            {(history.value ?? []).map((rate) => (
              <tr key={rate.updatedAt}>
                <td>{formatTime(rate.updatedAt)}</td>
                <td class="number">{rate.rate}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
};

const SetRate = ({ onSet }: { onSet: (rate: Rate) => void }) => {
  const codes = useLoad(currencies, []);
  const [problem, setProblem] = useState<Problem>();
  const [done, setDone] = useState('');
  const submit = (form: HTMLFormElement) => {
    const data = new FormData(form);
    const [base, quote, rate] = ['base', 'quote', 'rate'].map((name) => {
      const value = data.get(name);
      return typeof value === 'string' ? value.trim() : '';
    });
    setProblem(undefined);
    setDone('');
    api<Rate>('PUT', pairPath(base ?? '', quote ?? ''), { body: { rate } }).then(
      (saved) => {
        setDone(`${saved.base}/${saved.quote} is now ${saved.rate}.`);
        onSet(saved);
      },
      (error: unknown) => {
        setProblem(toProblem(error));
      },
    );
  };
  return (
    <form
      class="inline"
      aria-label="Set a rate"
      onSubmit={(event) => {
        event.preventDefault();
        submit(event.currentTarget);
      }}
    >
      <label>
        Base
        <select name="base" required>
          {(codes.value ?? []).map((code) => (
            <option key={code} selected={code === 'USD'}>
              {code}
            </option>
          ))}
        </select>
      </label>
      <label>
        Quote
        <select name="quote" required>
          {(codes.value ?? []).map((code) => (
            <option key={code} selected={code === 'EUR'}>
              {code}
            </option>
          ))}
        </select>
      </label>
      <label>
        Rate
        <input name="rate" type="text" inputMode="decimal" required placeholder="1.0825" />
      </label>
      <button type="submit">Set rate</button>
      <p role="status">{done}</p>
      <ProblemMessage problem={problem} />
    </form>
  );
};

export const Rates = () => {
  const [version, setVersion] = useState(0);
  const [pair, setPair] = useState<{ base: string; quote: string }>();
  const rates = useLoad(() => all<Rate>('/v1/rates'), [version]);
  return (
    <>
      <h1>Rates</h1>
      <Section title="Set a rate" id="set-rate">
        <SetRate
          onSet={(rate) => {
            setPair({ base: rate.base, quote: rate.quote });
            setVersion((v) => v + 1);
          }}
        />
      </Section>
      <Section title="Rates in force" id="rates-in-force">
        <ProblemMessage problem={rates.problem} />
        <div class="table-scroll">
          <table>
            <caption>Rates in force: the price of one base in the quote currency</caption>
            <thead>
              <tr>
                <th scope="col">Pair</th>
                <th scope="col" class="number">
                  Rate
                </th>
                <th scope="col">Set at</th>
                <th scope="col">History</th>
              </tr>
            </thead>
            <tbody>
              {(rates.value ?? []).length === 0 ? (
                <tr>
                  <td colSpan={4}>{rates.loading ? 'Loading…' : 'No rate is set.'}</td>
                </tr>
              ) : null}
              {(rates.value ?? []).map((rate) => (
                <tr key={`${rate.base}/${rate.quote}`}>
                  <th scope="row">
                    {rate.base}/{rate.quote}
                  </th>
                  <td class="number">{rate.rate}</td>
                  <td>{formatTime(rate.updatedAt)}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setPair({ base: rate.base, quote: rate.quote });
                      }}
                    >
                      History of {rate.base}/{rate.quote}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      {pair === undefined ? null : (
        <Section title={`History of ${pair.base}/${pair.quote}`} id="rate-history">
          <History base={pair.base} quote={pair.quote} version={version} />
        </Section>
      )}
    </>
  );
};
