import { useCallback, useState } from 'preact/hooks';
import { api, type Query } from '../api';
import { Pager, PaymentTable, ProblemMessage, useCursorPages, useLivePayments, useLoad } from '../components';
import { queryParametersOf, type QueryParameter } from '../openapi';
import type { Page, Payment } from '../types';

const label = (name: string) => name.replace(/([A-Z])/g, ' $1').replace(/^./, (first) => first.toUpperCase());

/** `datetime-local` inputs speak local time without a zone; the API wants an instant. */
const toInstant = (value: string) => (value === '' ? '' : new Date(value).toISOString());

const FilterField = ({ parameter, value }: { parameter: QueryParameter; value: string }) => {
  const id = `filter-${parameter.name}`;
  const { schema } = parameter;
  const describedBy =
    parameter.description === '' ? {} : { 'aria-describedby': `${id}-help`, title: parameter.description };
  const field = schema.enum ? (
    <select id={id} name={parameter.name} defaultValue={value} {...describedBy}>
      <option value="">{parameter.name === 'sort' ? 'Default' : 'Any'}</option>
      {schema.enum.map((option) => (
        <option key={option}>{option}</option>
      ))}
    </select>
  ) : schema.format === 'date-time' ? (
    <input id={id} name={parameter.name} type="datetime-local" step={1} defaultValue={value} {...describedBy} />
  ) : (
    <input id={id} name={parameter.name} type="text" defaultValue={value} {...describedBy} />
  );
  return (
    <div class="field">
      <label for={id}>{label(parameter.name)}</label>
      {field}
      {parameter.description === '' ? null : (
        <span id={`${id}-help`} class="visually-hidden">
          {parameter.description}
        </span>
      )}
    </div>
  );
};

/** Whether a payment pushed over the socket belongs on the first page of this listing. */
const matches = (filters: Query, payment: Payment): boolean => {
  const sort = filters.sort;
  if (sort !== undefined && sort !== '-createdAt') return false;
  return Object.entries(filters).every(([name, value]) => {
    if (value === undefined || name === 'sort') return true;
    if (name === 'accountId') return payment.sourceAccountId === value || payment.destinationAccountId === value;
    const field = (payment as unknown as Record<string, unknown>)[name];
    return typeof field === 'string' && field === value;
  });
};

export const Payments = () => {
  const parameters = useLoad(() => queryParametersOf('/v1/payments'), []);
  const [raw, setRaw] = useState<Record<string, string>>({ sort: '-createdAt' });
  const [filters, setFilters] = useState<Query>({ sort: '-createdAt' });
  const pages = useCursorPages([filters]);
  const page = useLoad(
    () => api<Page<Payment>>('GET', '/v1/payments', { query: { ...filters, limit: 20, cursor: pages.cursor } }),
    [filters, pages.cursor],
  );
  const accepts = useCallback((payment: Payment) => pages.first && matches(filters, payment), [filters, pages.first]);
  const { rows } = useLivePayments(page.value?.data, accepts);

  const apply = (form: HTMLFormElement) => {
    const next: Query = {};
    const values: Record<string, string> = {};
    for (const parameter of parameters.value ?? []) {
      const field = new FormData(form).get(parameter.name);
      const value = typeof field === 'string' ? field.trim() : '';
      values[parameter.name] = value;
      if (value !== '') next[parameter.name] = parameter.schema.format === 'date-time' ? toInstant(value) : value;
    }
    setRaw(values);
    setFilters(next);
  };

  return (
    <>
      <h1>Payments</h1>
      <ProblemMessage problem={parameters.problem} />
      <form
        class="filters"
        aria-label="Payment filters"
        onSubmit={(event) => {
          event.preventDefault();
          apply(event.currentTarget);
        }}
        onReset={() => {
          setRaw({ sort: '-createdAt' });
          setFilters({ sort: '-createdAt' });
        }}
      >
        {(parameters.value ?? []).map((parameter) => (
          <FilterField
            key={`${parameter.name}-${JSON.stringify(raw)}`}
            parameter={parameter}
            value={raw[parameter.name] ?? ''}
          />
        ))}
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button type="reset">Clear</button>
        </div>
      </form>
      <ProblemMessage problem={page.problem} />
      <PaymentTable rows={rows} caption={page.loading ? 'Payments (loading…)' : 'Payments'} />
      <Pager
        label="Payment pages"
        first={pages.first}
        nextCursor={page.value?.nextCursor}
        onNext={pages.next}
        onPrevious={pages.previous}
      />
    </>
  );
};
