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

/** Why a JWK was refused, by the rules every verification key follows (JWKS and DPoP alike). */
export type SkippedKey =
  | 'not_object'
  | 'unsupported_kty'
  | 'unsupported_crv'
  | 'private_key'
  | 'not_for_signature'
  | 'unsupported_alg'
  | 'rsa_too_large'
  | 'malformed';

/**
 * A public JWK that passed the key rules, not yet imported: only the members that define the
 * key, and what it may be used for.
 */
export interface PublicJwk {
  readonly kid: string | undefined;
  /** The JWK's own `alg`: when present, the only algorithm the key may verify. */
  readonly alg: JwsAlgorithm | undefined;
  readonly family: KeyFamily;
  /** The key type's required members (RFC 7638 §3.2), the input of the import. */
  readonly members: Readonly<Record<string, string>>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MIN_RSA_BITS = 2048;
const MIN_RSA_EXPONENT = 65537n;
// A signature check costs about (modulus bits)² × (exponent bits): a 16k-bit modulus makes it ~20×
// costlier than 4096 bits, a 3070-bit exponent ~170×. RSA-4096 stays well inside both caps.
const MAX_RSA_BITS = 8192;
const MAX_RSA_EXPONENT = 2n ** 32n;
// Base64url lengths of the largest modulus and exponent, with room for one leading zero octet
// (which some encoders add), checked before anything is decoded or imported.
const MAX_N_LENGTH = Math.ceil(((MAX_RSA_BITS / 8 + 1) * 4) / 3);
const MAX_E_LENGTH = Math.ceil((6 * 4) / 3);

function str(jwk: JsonObject, key: string): string | undefined {
  const value = Object.hasOwn(jwk, key) ? jwk[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * What a key set's keys must be for: `sig` (OAuth JWKS and DPoP proof keys: `use` absent or
 * `sig`), or `jwt-svid` (a SPIFFE bundle: `use` must be `jwt-svid`, JWT-SVID §6.2; its
 * `x509-svid` keys and keys without `use` verify nothing).
 */
export type KeyUse = 'sig' | 'jwt-svid';

/**
 * Applies the key rules to a JWK, without importing it (cheap: no crypto, nothing decoded):
 * known key types and curves only; no private members (a key set that publishes a private key is
 * compromised); no encryption key (`use` other than `sig` — or, in a SPIFFE bundle, other than
 * `jwt-svid` —, `key_ops` without `verify`); a JWK `alg` must be an asymmetric JWS algorithm that
 * fits the key; an RSA modulus of at most 8192 bits and a public exponent of at most 2^32, judged
 * by the length of `n` and `e`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export function readPublicJwk(input: unknown, keyUse: KeyUse = 'sig'): PublicJwk | SkippedKey {
  if (!isJsonObject(input)) return 'not_object';
  const jwk = input;
  const kty = str(jwk, 'kty');
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return 'unsupported_kty';
  for (const member of PRIVATE_MEMBERS) if (Object.hasOwn(jwk, member)) return 'private_key';

  const use = Object.hasOwn(jwk, 'use') ? jwk.use : undefined;
  if (keyUse === 'sig' ? use !== undefined && use !== 'sig' : use !== keyUse) {
    return 'not_for_signature';
  }
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

  let family: KeyFamily;
  let members: Record<string, string>;
  if (kty === 'RSA') {
    const n = str(jwk, 'n');
    const e = str(jwk, 'e');
    if (n === undefined || e === undefined) return 'malformed';
    if (n.length > MAX_N_LENGTH || e.length > MAX_E_LENGTH) return 'rsa_too_large';
    family = 'RSA';
    members = { kty, n, e };
  } else if (kty === 'EC') {
    const crv = str(jwk, 'crv');
    const x = str(jwk, 'x');
    const y = str(jwk, 'y');
    if (crv !== 'P-256' && crv !== 'P-384' && crv !== 'P-521') return 'unsupported_crv';
    if (x === undefined || y === undefined) return 'malformed';
    family = crv;
    members = { kty, crv, x, y };
  } else {
    const crv = str(jwk, 'crv');
    const x = str(jwk, 'x');
    if (crv !== 'Ed25519' && crv !== 'Ed448') return 'unsupported_crv';
    if (x === undefined) return 'malformed';
    family = crv;
    members = { kty, crv, x };
  }
  if (alg !== undefined && !ALGORITHMS[alg].families.includes(family)) return 'unsupported_alg';
  return { kid: str(jwk, 'kid'), alg, family, members };
}

/**
 * Imports a JWK that passed {@link readPublicJwk} as a public `KeyObject`: the one import every
 * verification key goes through (JWKS keys and DPoP proof keys). RSA keys are measured exactly
 * once imported: a modulus over 8192 bits or an exponent over 2^32 is `rsa_too_large`; a modulus
 * under 2048 bits or an exponent below 65537 (or even) is imported but `weak_rsa`, so that a
 * token signed by one is rejected as such instead of looking like an unknown key.
 */
export function importPublicJwk(
  jwk: PublicJwk,
): { key: KeyObject; unusable: KeyHandle['unusable'] } | 'malformed' | 'rsa_too_large' {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk.members, format: 'jwk' });
  } catch {
    return 'malformed';
  }
  let unusable: KeyHandle['unusable'];
  if (jwk.family === 'RSA') {
    const details = key.asymmetricKeyDetails;
    const bits = details?.modulusLength ?? 0;
    const exponent = details?.publicExponent ?? 0n;
    if (bits > MAX_RSA_BITS || exponent > MAX_RSA_EXPONENT) return 'rsa_too_large';
    if (bits < MIN_RSA_BITS || exponent < MIN_RSA_EXPONENT || exponent % 2n === 0n) {
      unusable = 'weak_rsa';
    }
  }
  return { key, unusable };
}

/**
 * Imports one JWK from an issuer's key set as a {@link KeyHandle}, or says why it is skipped:
 * {@link readPublicJwk}'s rules, then {@link importPublicJwk}.
 */
export function importJwk(input: unknown, keyUse: KeyUse = 'sig'): KeyHandle | SkippedKey {
  const jwk = readPublicJwk(input, keyUse);
  if (typeof jwk === 'string') return jwk;
  const imported = importPublicJwk(jwk);
  if (typeof imported === 'string') return imported;
  return {
    kid: jwk.kid,
    alg: jwk.alg,
    family: jwk.family,
    key: imported.key,
    identity: `${jwk.kid ?? ''}|${jwk.alg ?? ''}|${Object.values(jwk.members).join('|')}`,
    unusable: imported.unusable,
    active: true,
  };
}

/** Whether a key may verify a token with this algorithm (RFC 8725 §3.1: no confusion). */
export function keyFits(handle: Pick<KeyHandle, 'alg' | 'family'>, alg: JwsAlgorithm): boolean {
  if (handle.alg !== undefined && handle.alg !== alg) return false;
  return ALGORITHMS[alg].families.includes(handle.family);
}
