import { createPublicKey, type KeyObject } from 'node:crypto';
import { isJsonObject, type JsonObject } from '../lib/json.js';
import { ALGORITHMS, isJwsAlgorithm, type JwsAlgorithm, type KeyFamily } from './algorithms.js';

/**
 * A verification key, imported once per JWKS fetch and reused for every token it verifies.
 * `active` turns false when the key disappears from the issuer's JWKS, which also drops cached
 * tokens it verified.
 */
export interface KeyHandle {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm | undefined;
  readonly family: KeyFamily;
  readonly key: KeyObject;
  /** Public parameters, to tell a re-published key from a new one with the same `kid`. */
  readonly identity: string;
  /** Why this key may not verify anything (a weak RSA key), or `undefined` when usable. */
  readonly unusable: 'weak_rsa' | undefined;
  active: boolean;
}

/** Why a JWK from a key set was skipped. */
export type SkippedKey =
  | 'not_object'
  | 'unsupported_kty'
  | 'unsupported_crv'
  | 'private_key'
  | 'not_for_signature'
  | 'unsupported_alg'
  | 'malformed';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MIN_RSA_BITS = 2048;
const MIN_RSA_EXPONENT = 65537n;

function str(jwk: JsonObject, key: string): string | undefined {
  const value = Object.hasOwn(jwk, key) ? jwk[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Imports one JWK from an issuer's key set as a public `KeyObject`, or says why it is skipped.
 * Keys for encryption (`use: enc`, `key_ops` without `verify`), symmetric keys, keys that carry
 * private members (a key set that publishes a private key is compromised), and unknown key types
 * are skipped. RSA keys under 2048 bits or with an exponent below 65537 are kept but marked
 * unusable, so a token signed by one is rejected as `invalid_token` instead of looking like an
 * unknown key.
 */
export function importJwk(input: unknown): KeyHandle | SkippedKey {
  if (!isJsonObject(input)) return 'not_object';
  const jwk = input;
  const kty = str(jwk, 'kty');
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return 'unsupported_kty';
  for (const member of PRIVATE_MEMBERS) if (Object.hasOwn(jwk, member)) return 'private_key';

  const use = Object.hasOwn(jwk, 'use') ? jwk.use : undefined;
  if (use !== undefined && use !== 'sig') return 'not_for_signature';
  const keyOps = Object.hasOwn(jwk, 'key_ops') ? jwk.key_ops : undefined;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    return 'not_for_signature';
  }
  const rawAlg = Object.hasOwn(jwk, 'alg') ? jwk.alg : undefined;
  let alg: JwsAlgorithm | undefined;
  if (rawAlg !== undefined) {
    if (!isJwsAlgorithm(rawAlg) || ALGORITHMS[rawAlg].families.includes('oct')) {
      return 'unsupported_alg';
    }
    alg = rawAlg;
  }
  const kid = str(jwk, 'kid');

  let family: KeyFamily;
  let publicJwk: Record<string, string>;
  if (kty === 'RSA') {
    const n = str(jwk, 'n');
    const e = str(jwk, 'e');
    if (n === undefined || e === undefined) return 'malformed';
    family = 'RSA';
    publicJwk = { kty, n, e };
  } else if (kty === 'EC') {
    const crv = str(jwk, 'crv');
    const x = str(jwk, 'x');
    const y = str(jwk, 'y');
    if (crv !== 'P-256' && crv !== 'P-384' && crv !== 'P-521') return 'unsupported_crv';
    if (x === undefined || y === undefined) return 'malformed';
    family = crv;
    publicJwk = { kty, crv, x, y };
  } else {
    const crv = str(jwk, 'crv');
    const x = str(jwk, 'x');
    if (crv !== 'Ed25519' && crv !== 'Ed448') return 'unsupported_crv';
    if (x === undefined) return 'malformed';
    family = crv;
    publicJwk = { kty, crv, x };
  }
  if (alg !== undefined && !ALGORITHMS[alg].families.includes(family)) return 'unsupported_alg';

  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicJwk, format: 'jwk' });
  } catch {
    return 'malformed';
  }
  let unusable: KeyHandle['unusable'];
  if (family === 'RSA') {
    const details = key.asymmetricKeyDetails;
    const bits = details?.modulusLength ?? 0;
    const exponent = details?.publicExponent ?? 0n;
    if (bits < MIN_RSA_BITS || exponent < MIN_RSA_EXPONENT || exponent % 2n === 0n) {
      unusable = 'weak_rsa';
    }
  }
  return {
    kid,
    alg,
    family,
    key,
    identity: `${kid ?? ''}|${alg ?? ''}|${Object.values(publicJwk).join('|')}`,
    unusable,
    active: true,
  };
}

/** Whether a key may verify a token with this algorithm (RFC 8725 §3.1: no confusion). */
export function keyFits(handle: KeyHandle, alg: JwsAlgorithm): boolean {
  if (handle.alg !== undefined && handle.alg !== alg) return false;
  return ALGORITHMS[alg].families.includes(handle.family);
}
