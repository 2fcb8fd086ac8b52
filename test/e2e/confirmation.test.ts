import { confirmationTokenOf, useLocalStack } from '../support/e2e';

const { stack, call, signUp, openWallet } = useLocalStack();

describe('account confirmation through the local stack', () => {
  it('captures the confirmation email, whose token verifies the user once and lets it pay', async () => {
    const signedUp = await call('POST', '/v1/users', {
      body: { email: 'new-user@example.com', password: 'correct horse battery' },
    });
    expect(signedUp).toMatchObject({ status: 201, body: { user: { emailVerified: false } } });
    const token = signedUp.body.token.token as string;
    const wallet = await openWallet(token, 'USD');
    const payee = await openWallet(await signUp('payee@example.com'), 'USD');
    const transfer = {
      type: 'transfer',
      sourceAccountId: wallet,
      destinationAccountId: payee,
      amount: 1,
      currency: 'USD',
    };

    const refused = await call('POST', '/v1/payments', { token, body: transfer });
    const emails = await call('GET', '/local/emails?to=new-user@example.com');
    const resent = await call('POST', '/v1/me/confirmation', { token });
    const confirmation = await confirmationTokenOf(call, 'new-user@example.com');
    const confirmed = await call('POST', '/v1/users/confirmation', { body: { token: confirmation } });
    const again = await call('POST', '/v1/users/confirmation', { body: { token: confirmation } });

    expect(refused).toMatchObject({ status: 403, body: { code: 'email_unverified' } });
    expect(emails).toMatchObject({
      status: 200,
      body: { data: [{ to: 'new-user@example.com', subject: expect.any(String), sentAt: expect.any(String) }] },
    });
    expect(emails.body.data[0].text).toContain(confirmation);
    expect(resent).toMatchObject({ status: 429, body: { code: 'too_many_requests' } });
    expect(confirmed).toMatchObject({ status: 200, body: { email: 'new-user@example.com', emailVerified: true } });
    expect(again).toMatchObject({ status: 400, body: { code: 'invalid_confirmation' } });
    expect((await call('GET', '/v1/me', { token })).body).toMatchObject({ emailVerified: true });
    expect(await call('POST', '/v1/me/confirmation', { token })).toMatchObject({
      status: 409,
      body: { code: 'already_verified' },
    });
    expect(await call('POST', '/v1/payments', { token, body: transfer })).toMatchObject({
      status: 202,
      body: { status: 'INITIATED' },
    });
  });

  it('throttles sign-ins of an email after 5 failures, whatever the password, with Retry-After', async () => {
    await signUp('guessed@example.com');
    const attempt = (password: string) =>
      fetch(`${stack().baseUrl}/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'guessed@example.com', password }),
      });

    const failures = [];
    for (let i = 0; i < 5; i++) failures.push((await attempt(`wrong password ${i}`)).status);
    const refused = await attempt('correct horse battery');

    expect(failures).toEqual([401, 401, 401, 401, 401]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await refused.json()).toMatchObject({ code: 'too_many_requests' });
  });
});
