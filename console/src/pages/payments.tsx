import { useCallback, useState } from 'preact/hooks';
import { api, type Query } from '../api';
import { Pager, PaymentTable, ProblemMessage, useCursorPages, useLivePayments, useLoad } from '../components';
import { queryParametersOf, type QueryParameter } from '../openapi';
import type { Page, Payment } from '../types';

const label = (name: string) => name.replace(/([A-Z])/g, ' $1').replace(/^./, (first) => first.toUpperCase());

/** `datetime-local` inputs speak local time without a zone; the API wants an instant. */
const toInstant = (value: string) => (value === '' ? '' : new Date(value).toISOString());

/**
 * A filter by a key and its value (`metadata[<key>]=<value>`, a `deepObject` parameter of the document): two fields,
 * named `<name>.key` and `<name>.value`.
 */
const isKeyValue = (parameter: QueryParameter) => parameter.schema.type === 'object';

const KeyValueField = ({
  parameter,
  raw,
  id,
}: {
  parameter: QueryParameter;
  raw: Record<string, string>;
  id: string;
}) => (
  <div class="field" data-parameter={parameter.name} title={parameter.description}>
    <label for={`${id}-key`}>{label(parameter.name)} key</label>
    <input
      id={`${id}-key`}
      name={`${parameter.name}.key`}
      type="text"
      defaultValue={raw[`${parameter.name}.key`] ?? ''}
    />
    <label for={`${id}-value`}>{label(parameter.name)} value</label>
    <input
      id={`${id}-value`}
      name={`${parameter.name}.value`}
      type="text"
      defaultValue={raw[`${parameter.name}.value`] ?? ''}
    />
  </div>
);

const FilterField = ({ parameter, raw }: { parameter: QueryParameter; raw: Record<string, string> }) => {
  const id = `filter-${parameter.name}`;
  if (isKeyValue(parameter)) return <KeyValueField parameter={parameter} raw={raw} id={id} />;
  const value = raw[parameter.name] ?? '';
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
    <div class="field" data-parameter={parameter.name}>
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
    const key = /^metadata\[(.+)\]$/.exec(name)?.[1];
    if (key !== undefined) return payment.metadata[key] === value;
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
    const data = new FormData(form);
    const read = (name: string) => {
      const field = data.get(name);
      values[name] = typeof field === 'string' ? field.trim() : '';
      return values[name];
    };
    for (const parameter of parameters.value ?? []) {
      if (isKeyValue(parameter)) {
        const [key, value] = [read(`${parameter.name}.key`), read(`${parameter.name}.value`)];
        if (key !== '') next[`${parameter.name}[${key}]`] = value;
        continue;
      }
      const value = read(parameter.name);
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
          <FilterField key={`${parameter.name}-${JSON.stringify(raw)}`} parameter={parameter} raw={raw} />
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
