import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scryptCallback(password, salt, keylen, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's current scrypt parameters: N=2^17, r=8, p=1, 128 MiB and about half a second of one core per hash (on the
 * development machine), slow for a guesser and fine for a Lambda at 1 GB. Only tests pass cheaper ones.
 */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
/** The test stacks' and the integration tests' cost (`TEST_PASSWORD_HASHING=fast`): about 3 ms a hash. */
export const TEST_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const KEY_LENGTH = 32;
// scrypt needs 128 * N * r bytes (128 MiB here); Node refuses anything above maxmem, 32 MiB by default.
const maxmem = 256 * 1024 * 1024;

/** `scrypt$N$r$p$salt$hash`: the parameters travel with the hash so they can be raised later without a migration. */
export const hashPassword = async (password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> => {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...params, maxmem });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
};

export const verifyPassword = async (password: string, encoded: string): Promise<boolean> => {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem,
  });
  return timingSafeEqual(actual, expected);
};

/** A hash made with other parameters than today's, to be made again from the password at the next sign-in. */
export const needsRehash = (encoded: string, params: ScryptParams = SCRYPT_PARAMS): boolean => {
  const [scheme, n, r, p] = encoded.split('$');
  return scheme !== 'scrypt' || Number(n) !== params.N || Number(r) !== params.r || Number(p) !== params.p;
};

// Verified against when the email is unknown, so a login costs the same whether or not the account exists.
const decoys = new Map<string, Promise<string>>();
export const decoyPasswordHash = (params: ScryptParams = SCRYPT_PARAMS): Promise<string> => {
  const key = `${params.N}$${params.r}$${params.p}`;
  let decoy = decoys.get(key);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'), params);
    decoys.set(key, decoy);
  }
  return decoy;
};
