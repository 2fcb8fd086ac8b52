import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { ValidationError } from '../../shared/errors';
import {
  failedTooLong,
  isDelivered,
  retryDelaySeconds,
  STANDARD_DELIVERY_POLICY,
  STANDARD_RETRY_SCHEDULE_SECONDS,
} from '../../shared/webhooks/model';
import { newWebhookSecret, signedHeaders } from '../../shared/webhooks/signature';
import { HttpWebhookSender } from '../../shared/adapters/webhook-sender';
import { webhookBody } from '../../shared/schemas/events';
import { checkWebhookUrl, isAllowedAddress, WEBHOOK_URL_PATTERN } from '../../shared/webhooks/url';

const aws = { allowLoopback: false };
const local = { allowLoopback: true };

describe('webhook signatures', () => {
  it('are accepted by the standardwebhooks library, as a receiver checks them', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ id: 'evt_01jd0000000000000000000000', type: 'payment.completed' });
    const headers = signedHeaders(secret, 'evt_01jd0000000000000000000000', new Date(), body);

    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(headers['webhook-id']).toBe('evt_01jd0000000000000000000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('are refused for a body changed on the way, another secret or a stale timestamp', () => {
    const secret = newWebhookSecret();
    const body = '{"id":"evt_1"}';
    const fresh = signedHeaders(secret, 'evt_1', new Date(), body);
    const stale = signedHeaders(secret, 'evt_1', new Date(Date.now() - 10 * 60 * 1000), body);

    expect(() => new Webhook(secret).verify('{"id":"evt_2"}', fresh)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, fresh)).toThrow();
    expect(() => new Webhook(secret).verify(body, stale)).toThrow();
  });

  it('use a secret of 32 random bytes in the whsec_ format, never the same twice', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];

    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe('the retry schedule', () => {
  it('retries 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the attempt before, about 28 hours in all', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelaySeconds(STANDARD_DELIVERY_POLICY, attempts));

    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    const hours = STANDARD_RETRY_SCHEDULE_SECONDS.reduce((sum, delay) => sum + delay, 0) / 3600;
    expect(Math.round(hours)).toBe(28);
  });

  it('makes no retry after the eighth attempt, nor before the first', () => {
    expect(retryDelaySeconds(STANDARD_DELIVERY_POLICY, 8)).toBeUndefined();
    expect(retryDelaySeconds(STANDARD_DELIVERY_POLICY, 0)).toBeUndefined();
    expect(retryDelaySeconds({ retrySchedule: [1, 1] }, 3)).toBeUndefined();
  });

  it('counts only a 2xx as delivered', () => {
    expect([200, 201, 204, 299].every(isDelivered)).toBe(true);
    expect([undefined, 100, 301, 302, 400, 410, 500].some(isDelivered)).toBe(false);
  });

  it('disables an endpoint once it has failed every delivery for three days, not a moment before', () => {
    const since = '2026-01-01T00:00:00.000Z';

    expect(failedTooLong(STANDARD_DELIVERY_POLICY, since, new Date('2026-01-03T23:59:59.999Z'))).toBe(false);
    expect(failedTooLong(STANDARD_DELIVERY_POLICY, since, new Date('2026-01-04T00:00:00.000Z'))).toBe(true);
  });
});

describe('webhook URLs', () => {
  it.each([
    'https://example.com/hooks',
    'https://hooks.example.com:8443/billing?x=1',
    'https://93.184.216.34/hooks',
    'https://[2606:4700::1111]/hooks',
  ])('accepts the public https URL %s', (url) => {
    expect(checkWebhookUrl(url, aws)).toBe(new URL(url).href);
  });

  it.each([
    ['http://example.com/hooks', 'must be an https URL'],
    ['ftp://example.com/hooks', 'must be an https URL'],
    ['not a url', 'must be an absolute URL'],
    ['https://user:pass@example.com/', 'must not carry credentials'],
    ['https://localhost/hooks', 'must not point at'],
    ['https://app.localhost/hooks', 'must not point at'],
    ['https://127.0.0.1/hooks', 'must not point at'],
    ['https://2130706433/hooks', 'must not point at'],
    ['https://10.1.2.3/hooks', 'must not point at'],
    ['https://172.16.0.1/hooks', 'must not point at'],
    ['https://192.168.1.1/hooks', 'must not point at'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at'],
    ['https://100.64.0.1/hooks', 'must not point at'],
    ['https://0.0.0.0/hooks', 'must not point at'],
    ['https://[::1]/hooks', 'must not point at'],
    ['https://[fe80::1]/hooks', 'must not point at'],
    ['https://[fd00::1]/hooks', 'must not point at'],
    ['https://[::ffff:127.0.0.1]/hooks', 'must not point at'],
    ['http://127.0.0.1:4000/hooks', 'must be an https URL'],
  ])('refuses %s on AWS with a validation error on url', (url, message) => {
    let thrown: unknown;
    try {
      checkWebhookUrl(url, aws);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).errors).toEqual([{ path: 'url', message: expect.stringContaining(message) }]);
  });

  it('accepts receivers on this machine over http where the local stack allows loopback, and only those', () => {
    expect(checkWebhookUrl('http://127.0.0.1:4000/hooks', local)).toBe('http://127.0.0.1:4000/hooks');
    expect(checkWebhookUrl('http://localhost:4000/hooks', local)).toBe('http://localhost:4000/hooks');
    expect(() => checkWebhookUrl('http://127.0.0.1/hooks', local)).toThrow(ValidationError);
    expect(() => checkWebhookUrl('http://10.0.0.1:4000/hooks', local)).toThrow(ValidationError);
    expect(() => checkWebhookUrl('http://example.com:4000/hooks', local)).toThrow(ValidationError);
  });
});

describe('the form of a webhook URL the document gives', () => {
  const documented = new RegExp(WEBHOOK_URL_PATTERN);

  it('is all the local stack asks of a URL, but that its address be public or on this machine', () => {
    fc.assert(
      fc.property(fc.stringMatching(documented), (url) => {
        let refusal: string | undefined;
        try {
          checkWebhookUrl(url, local);
        } catch (error) {
          refusal = (error as ValidationError).errors?.[0]?.message;
        }

        expect(refusal === undefined || refusal.startsWith('must not point at a private')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    'https://example.com/hooks',
    'https://hooks.example.com:8443/billing?x=1',
    'https://93.184.216.34/hooks',
    'https://[2606:4700::1111]/hooks',
    'https://[::ffff:8.8.8.8]:443/',
    'http://127.0.0.1:4000/hooks',
    'http://localhost:4000',
    'https://x.example/',
    'https://xn.example/',
    'https://xn-a.example/',
    'https://www.xnxn--a.example/',
  ])('includes %s', (url) => {
    expect(url).toMatch(documented);
  });

  it.each([
    'not a url',
    'HTTPS://example.com/',
    'ftp://example.com/hooks',
    'http://example.com/hooks',
    'http://127.0.0.1/hooks',
    'https://user:pass@example.com/',
    'https://under_score.example/',
    'https://-dash.example/',
    'https://2130706433/hooks',
    'https://1.2.3.4.5/',
    'https://256.1.1.1/',
    'https://[1::2::3]/',
    'https://example.com:0/',
    'https://example.com:65536/',
    'https://example.com/with space',
    'https://example.com/é',
    'https://XN--0/',
    'https://xn--mnchen-3ya.example/',
    'https://hooks.Xn--p1ai/',
  ])('excludes %s, which the body schema refuses on url', (url) => {
    expect(url).not.toMatch(documented);
    expect(webhookBody.safeParse({ url, events: ['payment.completed'] }).error?.issues.map((i) => i.path)).toEqual([
      ['url'],
    ]);
  });
});

describe('a webhook sender that keeps to this machine', () => {
  it('sends nothing to a receiver elsewhere, without looking its name up', async () => {
    const sender = new HttpWebhookSender({ allowLoopback: true, loopbackOnly: true });

    await expect(
      sender.post('https://hooks.example.com/billing', { headers: {}, body: '{}', timeoutMs: 1000 }),
    ).resolves.toEqual({ error: 'hooks.example.com is not on this machine, the only one this stack delivers to' });
  });
});

describe('addresses a webhook may reach once its name is resolved', () => {
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(isAllowedAddress(address, aws)).toBe(true);
    },
  );

  it.each([
    '10.0.0.1',
    '127.0.0.1',
    '127.10.0.1',
    '169.254.169.254',
    '172.31.255.255',
    '192.168.0.10',
    '100.100.100.100',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::abcd',
    'fc00::1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isAllowedAddress(address, aws)).toBe(false);
  });

  it('allows loopback, and still no other private range, where the local stack allows loopback', () => {
    expect(isAllowedAddress('127.0.0.1', local)).toBe(true);
    expect(isAllowedAddress('::1', local)).toBe(true);
    expect(isAllowedAddress('10.0.0.1', local)).toBe(false);
    expect(isAllowedAddress('169.254.169.254', local)).toBe(false);
  });

  it('refuses every IPv4 address in a private range, whatever its host part', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 24 - 1 }), (host) => {
        const [b, c, d] = [(host >> 16) & 255, (host >> 8) & 255, host & 255];
        expect(
          [`10.${b}.${c}.${d}`, `172.${16 + (b & 15)}.${c}.${d}`, `192.168.${c}.${d}`, `127.${b}.${c}.${d}`].filter(
            (address) => isAllowedAddress(address, aws),
          ),
        ).toEqual([]);
      }),
    );
  });
});
