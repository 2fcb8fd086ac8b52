import { handler as createDeposit } from '../../functions/deposits-create/handler';
import { handler as createPayment } from '../../functions/payments-create/handler';
import { handler as notFound } from '../../functions/not-found/handler';
import { handler as getBalance } from '../../functions/balance-get/handler';
import { httpEvent, lambdaContext, parseResponse, userPrincipal } from '../support/http-event';

const admin = userPrincipal({ role: 'admin' });

describe('numbers written with a fraction or an exponent', () => {
  it.each(['100.0', '1e2', '1E+2', '10.5'])('refuse an amount written %s with 400 validation_error', async (amount) => {
    const response = parseResponse(
      await createDeposit(
        httpEvent({
          method: 'POST',
          path: '/v1/admin/deposits',
          rawBody: `{"accountId":"acc_1","amount":${amount},"currency":"USD","reference":"BANK-1"}`,
          principal: admin,
        }),
        lambdaContext(),
      ),
    );

    expect(response).toMatchObject({
      status: 400,
      body: { code: 'validation_error', errors: [{ path: 'amount', message: 'must be an integer' }] },
    });
  });
});

describe('a payment field written with a fraction', () => {
  it.each([
    [
      'amount',
      '{"type":"transfer","sourceAccountId":"acc_1","destinationAccountId":"acc_2","amount":100.0,"currency":"USD"}',
    ],
    [
      'holdSeconds',
      '{"type":"transfer","sourceAccountId":"acc_1","destinationAccountId":"acc_2","amount":100,' +
        '"currency":"USD","capture":"manual","holdSeconds":3600.0}',
    ],
  ])(
    'refuses %s with 400 validation_error before anything is read, in the words an amount gets',
    async (path, rawBody) => {
      const response = parseResponse(
        await createPayment(
          httpEvent({ method: 'POST', path: '/v1/payments', rawBody, principal: userPrincipal() }),
          lambdaContext(),
        ),
      );

      expect(response).toMatchObject({
        status: 400,
        body: { code: 'validation_error', errors: [{ path, message: 'must be an integer' }] },
      });
    },
  );
});

describe('time filters', () => {
  it.each([
    ['without seconds', '2026-02-28T00:00Z'],
    ['before 1970', '1969-12-31T23:59:59Z'],
    ['of year 20', '0020-02-29T00:00:00Z'],
    ['on a day the calendar lacks', '2026-02-30T00:00:00Z'],
    ['without a zone', '2026-02-28T00:00:00'],
    ['as a date only', '2026-02-28'],
  ])('refuse a time %s with 400 validation_error', async (_case, at) => {
    const response = parseResponse(
      await getBalance(
        httpEvent({
          path: '/v1/accounts/acc_1/balance',
          params: { id: 'acc_1' },
          query: { at },
          principal: userPrincipal(),
        }),
        lambdaContext(),
      ),
    );

    expect(response).toMatchObject({ status: 400, body: { code: 'validation_error', errors: [{ path: 'at' }] } });
  });
});

describe('the $default route', () => {
  it('answers a known path asked with another method 405, naming the methods it serves in Allow', async () => {
    const response = await notFound(
      httpEvent({ method: 'TRACE', path: '/v1/accounts/acc_1/operations' }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ allow: 'GET', 'content-type': 'application/problem+json' });
    expect(JSON.parse(response.body ?? '')).toMatchObject({ status: 405, code: 'method_not_allowed' });
  });

  it('answers an unknown path 404 not_found', async () => {
    const response = parseResponse(await notFound(httpEvent({ method: 'GET', path: '/v1/nowhere' }), lambdaContext()));

    expect(response).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});
