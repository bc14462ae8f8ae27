import {
  checkPrimeSync,
  createPrivateKey,
  createPublicKey,
  generatePrimeSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

/**
 * Options of {@link createRsaKeyPair}.
 *
 * @example
 * ```ts
 * const options: RsaKeyPairOptions = { modulusLength: 3072, publicExponentLength: 3070 };
 * ```
 */
export interface RsaKeyPairOptions {
  /** The modulus size in bits, exactly: 2048 to 16384 (the largest modulus OpenSSL verifies with). */
  modulusLength: number;
  /** The public exponent; default 65537. */
  publicExponent?: number;
  /**
   * Instead of `publicExponent`: a random odd exponent of exactly this many bits (and smaller than
   * the modulus), which makes every signature check costly.
   */
  publicExponentLength?: number;
}

const FACTOR_BITS = 1024;

const bitLength = (value: bigint): number => value.toString(2).length;

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a, b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}

function modInverse(value: bigint, modulus: bigint): bigint {
  let [r0, r1] = [value % modulus, modulus];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('createRsaKeyPair: no inverse (internal error)');
  return ((s0 % modulus) + modulus) % modulus;
}

function randomBelow(limit: bigint): bigint {
  const bytes = Math.ceil(bitLength(limit) / 8) + 8;
  return BigInt(`0x${randomBytes(bytes).toString('hex')}`) % limit;
}

/** A random prime in [low, high], searched upwards from a random odd start. */
function primeBetween(low: bigint, high: bigint): bigint {
  for (;;) {
    let candidate = low + randomBelow(high - low + 1n);
    if (candidate % 2n === 0n) candidate += 1n;
    for (; candidate <= high; candidate += 2n) {
      if (checkPrimeSync(candidate)) return candidate;
    }
  }
}

function toBase64url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url');
}

/**
 * Makes an RSA key pair of any modulus size up to 16,384 bits, or with a huge public exponent, in
 * about a second — sizes `generateKeyPair` takes minutes for, and exponents it cannot make at all.
 * It exists to test that a verifier caps RSA keys (a 16k-bit modulus, or a 3072-bit modulus with
 * a 3070-bit exponent, each make a signature check many times costlier).
 *
 * The modulus is a product of 1024-bit primes, so these keys are NOT secure: never use one for
 * anything but such a test. Node signs and verifies with them like with any other RSA key.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = createRsaKeyPair({ modulusLength: 16384 });
 * const slow = createRsaKeyPair({ modulusLength: 3072, publicExponentLength: 3070 });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8017#section-3 (multi-prime RSA)
 */
export function createRsaKeyPair(options: RsaKeyPairOptions): {
  publicKey: KeyObject;
  privateKey: KeyObject;
} {
  const { modulusLength, publicExponent, publicExponentLength } = options;
  if (!Number.isInteger(modulusLength) || modulusLength < 2048 || modulusLength > 16384) {
    throw new TypeError('createRsaKeyPair: "modulusLength" must be an integer from 2048 to 16384');
  }
  if (publicExponent !== undefined && publicExponentLength !== undefined) {
    throw new TypeError('createRsaKeyPair: give "publicExponent" or "publicExponentLength"');
  }
  if (
    publicExponent !== undefined &&
    (!Number.isSafeInteger(publicExponent) || publicExponent < 3 || publicExponent % 2 === 0)
  ) {
    throw new TypeError('createRsaKeyPair: "publicExponent" must be an odd integer of at least 3');
  }
  if (
    publicExponentLength !== undefined &&
    (!Number.isInteger(publicExponentLength) ||
      publicExponentLength < 2 ||
      publicExponentLength >= modulusLength)
  ) {
    throw new TypeError(
      'createRsaKeyPair: "publicExponentLength" must be an integer from 2 to "modulusLength" - 1',
    );
  }

  const fixedExponent = publicExponentLength === undefined ? BigInt(publicExponent ?? 65537) : 0n;
  // With a fixed exponent, every p - 1 must be coprime to it; a random one is checked at the end.
  const usable = (prime: bigint) => fixedExponent === 0n || gcd(fixedExponent, prime - 1n) === 1n;
  const count = Math.ceil(modulusLength / FACTOR_BITS);
  const primes: bigint[] = [];
  let product = 1n;
  while (primes.length < count - 1) {
    const prime = generatePrimeSync(FACTOR_BITS, { bigint: true });
    if (!usable(prime) || primes.includes(prime)) continue;
    primes.push(prime);
    product *= prime;
  }
  // The last prime makes the modulus exactly `modulusLength` bits long.
  const low = ((1n << BigInt(modulusLength - 1)) + product - 1n) / product;
  const high = ((1n << BigInt(modulusLength)) - 1n) / product;
  let last: bigint;
  do last = primeBetween(low, high);
  while (!usable(last) || primes.includes(last));
  primes.push(last);
  const n = product * last;

  const lambda = primes.reduce((acc, prime) => lcm(acc, prime - 1n), 1n);
  let e = fixedExponent;
  if (publicExponentLength !== undefined) {
    const top = 1n << BigInt(publicExponentLength - 1);
    do e = top + randomBelow(top);
    while (e % 2n === 0n || e >= n || gcd(e, lambda) !== 1n);
  }
  const d = modInverse(e, lambda);
  // Node holds a key as two factors: split the primes into two composite "primes" for CRT.
  const half = Math.ceil(primes.length / 2);
  const p = primes.slice(0, half).reduce((acc, prime) => acc * prime, 1n);
  const q = primes.slice(half).reduce((acc, prime) => acc * prime, 1n);
  const lambdaP = primes.slice(0, half).reduce((acc, prime) => lcm(acc, prime - 1n), 1n);
  const lambdaQ = primes.slice(half).reduce((acc, prime) => lcm(acc, prime - 1n), 1n);
  const jwk = {
    kty: 'RSA',
    n: toBase64url(n),
    e: toBase64url(e),
    d: toBase64url(d),
    p: toBase64url(p),
    q: toBase64url(q),
    dp: toBase64url(d % lambdaP),
    dq: toBase64url(d % lambdaQ),
    qi: toBase64url(modInverse(q, p)),
  };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
