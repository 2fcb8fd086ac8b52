import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from '../../shared/security/passwords';
import { bearerToken, hashToken, issueToken, tokenIdOf, tokenMatches } from '../../shared/security/tokens';

// A cheap cost where the cost is not what is tested.
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('passwords', () => {
  it('verifies the password it hashed and no other, with a fresh salt each time', async () => {
    const first = await hashPassword('correct horse battery', CHEAP);
    const second = await hashPassword('correct horse battery', CHEAP);

    expect(first).not.toEqual(second);
    expect(first).not.toContain('correct horse battery');
    await expect(verifyPassword('correct horse battery', first)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', first)).resolves.toBe(false);
  });

  it("hashes at OWASP's scrypt cost by default (N=2^17, r=8, p=1) and asks for a new hash of any other", async () => {
    const current = await hashPassword('correct horse battery');

    expect(SCRYPT_PARAMS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(current.split('$').slice(0, 4)).toEqual(['scrypt', '131072', '8', '1']);
    expect(needsRehash(current)).toBe(false);
    expect(needsRehash(await hashPassword('correct horse battery', { N: 2 ** 15, r: 8, p: 1 }))).toBe(true);
    expect(needsRehash('md5$abc')).toBe(true);
  }, 20_000);

  it('refuses a stored hash it cannot read rather than throwing', async () => {
    await expect(verifyPassword('anything at all', 'md5$abc')).resolves.toBe(false);
  });
});

describe('tokens', () => {
  it('issues 256-bit secrets behind a readable id, storing only their hash', () => {
    const { id, token, hash } = issueToken();

    expect(tokenIdOf(token)).toBe(id);
    expect(Buffer.from(token.split('.')[1]!, 'base64url')).toHaveLength(32);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token.split('.')[1]);
    expect(tokenMatches(token, hash)).toBe(true);
  });

  it('never matches another token, even one with the same id', () => {
    const { id, hash } = issueToken();

    expect(tokenMatches(`${id}.${'A'.repeat(43)}`, hash)).toBe(false);
    expect(tokenMatches(issueToken().token, hash)).toBe(false);
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    [undefined, undefined],
  ])('reads the bearer token of %p', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
