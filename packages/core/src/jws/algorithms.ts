import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

/** JWS algorithms tokenguard verifies. `none` is not one of them, and never will be. */
export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/** The default allow-list: every asymmetric algorithm. */
export const ASYMMETRIC_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

export const SYMMETRIC_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'HS256',
  'HS384',
  'HS512',
]);

export const ALL_ALGORITHMS: ReadonlySet<string> = new Set([
  ...ASYMMETRIC_ALGORITHMS,
  ...SYMMETRIC_ALGORITHMS,
]);

/** The family of key an algorithm needs, as tokenguard classifies imported JWKs. */
export type KeyFamily = 'RSA' | 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | 'Ed448' | 'oct';

interface AlgorithmSpec {
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  families: readonly KeyFamily[];
  verify: (data: Buffer, key: KeyObject, signature: Buffer) => boolean;
}

const rsa = (hash: 'sha256' | 'sha384' | 'sha512') => (data: Buffer, key: KeyObject, sig: Buffer) =>
  verify(hash, data, key, sig);

// RFC 7518 §3.5: the PSS salt is as long as the hash output.
const pss =
  (hash: 'sha256' | 'sha384' | 'sha512', saltLength: number) =>
  (data: Buffer, key: KeyObject, sig: Buffer) =>
    verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig);

// RFC 7518 §3.4: JWS carries R || S of fixed length, not DER. A wrong length is a bad signature.
const ecdsa =
  (hash: 'sha256' | 'sha384' | 'sha512', length: number) =>
  (data: Buffer, key: KeyObject, sig: Buffer) =>
    sig.length === length && verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);

const eddsa = (data: Buffer, key: KeyObject, sig: Buffer) => verify(null, data, key, sig);

const hmac =
  (hash: 'sha256' | 'sha384' | 'sha512') => (data: Buffer, key: KeyObject, sig: Buffer) => {
    const expected = createHmac(hash, key).update(data).digest();
    return expected.length === sig.length && timingSafeEqual(expected, sig);
  };

export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = {
  RS256: { hash: 'sha256', families: ['RSA'], verify: rsa('sha256') },
  RS384: { hash: 'sha384', families: ['RSA'], verify: rsa('sha384') },
  RS512: { hash: 'sha512', families: ['RSA'], verify: rsa('sha512') },
  PS256: { hash: 'sha256', families: ['RSA'], verify: pss('sha256', 32) },
  PS384: { hash: 'sha384', families: ['RSA'], verify: pss('sha384', 48) },
  PS512: { hash: 'sha512', families: ['RSA'], verify: pss('sha512', 64) },
  ES256: { hash: 'sha256', families: ['P-256'], verify: ecdsa('sha256', 64) },
  ES384: { hash: 'sha384', families: ['P-384'], verify: ecdsa('sha384', 96) },
  ES512: { hash: 'sha512', families: ['P-521'], verify: ecdsa('sha512', 132) },
  EdDSA: { hash: null, families: ['Ed25519', 'Ed448'], verify: eddsa },
  Ed25519: { hash: null, families: ['Ed25519'], verify: eddsa },
  HS256: { hash: 'sha256', families: ['oct'], verify: hmac('sha256') },
  HS384: { hash: 'sha384', families: ['oct'], verify: hmac('sha384') },
  HS512: { hash: 'sha512', families: ['oct'], verify: hmac('sha512') },
};

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && ALL_ALGORITHMS.has(value);
}

export function isSymmetric(alg: JwsAlgorithm): boolean {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/**
 * Verifies a signature with a key imported once. Never throws: a malformed signature or a
 * key/algorithm mismatch is simply not a valid signature.
 */
export function verifySignature(
  alg: JwsAlgorithm,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    return ALGORITHMS[alg].verify(data, key, signature);
  } catch {
    return false;
  }
}
