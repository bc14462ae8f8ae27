import { createHash, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { newKeyPairSync } from './lib/key-pair.js';
import { createRsaKeyPair, type RsaKeyPairOptions } from './rsa.js';
import { signJwt } from './sign-jwt.js';

/** Algorithms {@link createDpopKey} can make a key for. */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'PS256' | 'EdDSA';

/**
 * A client's DPoP key pair: the private key signs proofs, `publicJwk` goes in their header, and
 * `thumbprint` (RFC 7638) is what a bound token's `cnf.jkt` carries.
 */
export interface DpopKey {
  alg: DpopAlgorithm;
  privateKey: KeyObject;
  publicJwk: JWK;
  thumbprint: string;
}

/**
 * RFC 7638 SHA-256 thumbprint of a public JWK (base64url).
 *
 * @example
 * ```ts
 * const jkt = jwkThumbprint(key.publicJwk);
 * ```
 */
export function jwkThumbprint(jwk: JWK): string {
  let members: Record<string, unknown>;
  if (jwk.kty === 'EC') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  else if (jwk.kty === 'RSA') members = { e: jwk.e, kty: jwk.kty, n: jwk.n };
  else if (jwk.kty === 'OKP') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  else throw new TypeError('jwkThumbprint: "jwk.kty" must be EC, RSA or OKP');
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/**
 * Makes a DPoP key pair for a client. For RS256 and PS256, `rsa` chooses the modulus size or
 * exponent: from 512 bits (a weak key on purpose, made by Node's key generator) up to 16,384 bits
 * or with a huge exponent (a key a resource server must refuse as too costly, made by
 * {@link createRsaKeyPair}). The default is a 2048-bit key with exponent 65537. It does not check
 * that the key is one a server should accept.
 *
 * @example
 * ```ts
 * const key = createDpopKey();           // ES256
 * const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
 * const weak = createDpopKey('RS256', { modulusLength: 1024 });
 * const huge = createDpopKey('RS256', { modulusLength: 16384 });
 * ```
 * @see RFC 9449 §4.2 (the proof's `jwk`), RFC 7638 (the thumbprint)
 */
export function createDpopKey(alg: DpopAlgorithm = 'ES256', rsa?: RsaKeyPairOptions): DpopKey {
  if (rsa !== undefined && alg !== 'RS256' && alg !== 'PS256') {
    throw new TypeError('createDpopKey: RSA options need "alg" RS256 or PS256');
  }
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (alg) {
    case 'ES256':
      pair = newKeyPairSync({ type: 'ec', namedCurve: 'P-256' });
      break;
    case 'ES384':
      pair = newKeyPairSync({ type: 'ec', namedCurve: 'P-384' });
      break;
    case 'ES512':
      pair = newKeyPairSync({ type: 'ec', namedCurve: 'P-521' });
      break;
    case 'RS256':
    case 'PS256':
      pair =
        rsa === undefined ? newKeyPairSync({ type: 'rsa', modulusLength: 2048 }) : rsaPair(rsa);
      break;
    case 'EdDSA':
      pair = newKeyPairSync({ type: 'ed25519' });
      break;
    default:
      throw new TypeError(
        'createDpopKey: "alg" must be one of ES256, ES384, ES512, RS256, PS256, EdDSA',
      );
  }
  const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
  return { alg, privateKey: pair.privateKey, publicJwk, thumbprint: jwkThumbprint(publicJwk) };
}

/**
 * Below 2048 bits (weak keys, on purpose) Node's key generator makes the pair; from 2048 bits on,
 * {@link createRsaKeyPair}, which also makes huge moduli and exponents.
 */
function rsaPair(rsa: RsaKeyPairOptions): { privateKey: KeyObject; publicKey: KeyObject } {
  if (!(rsa.modulusLength < 2048)) return createRsaKeyPair(rsa);
  if (!Number.isInteger(rsa.modulusLength) || rsa.modulusLength < 512) {
    throw new TypeError('createDpopKey: "modulusLength" must be an integer from 512 to 16384');
  }
  return newKeyPairSync({
    type: 'rsa',
    modulusLength: rsa.modulusLength,
    publicExponent: rsa.publicExponent ?? 0x10001,
  });
}

/** What {@link createDpopProof} takes. Anything may be overridden to build bad proofs. */
export interface DpopProofInput {
  key: DpopKey;
  /** The request method (`htm`). */
  htm: string;
  /** The request URL (`htu`); query and fragment are stripped unless `rawHtu` is set. */
  htu: string;
  /** The access token; `ath` is its SHA-256, base64url. Omit for token requests. */
  accessToken?: string;
  /** The server nonce, when one was offered. */
  nonce?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  /** Default a random UUID. */
  jti?: string;
  /** Keep `htu` exactly as given. */
  rawHtu?: boolean;
  /** Extra or overriding protected header members (`typ`, `alg`, `jwk`, …); `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Extra or overriding claims (`ath`, `htm`, …); `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** Sign with this key instead (a proof whose `jwk` does not match its signature). */
  signingKey?: KeyObject;
}

function withOverrides(
  base: Record<string, unknown>,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

/**
 * Creates a DPoP proof JWT (RFC 9449 §4.2) for one request.
 *
 * @example
 * ```ts
 * const proof = await createDpopProof({ key, htm: 'GET', htu: 'http://127.0.0.1:3000/orders', accessToken });
 * await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } });
 * ```
 */
export async function createDpopProof(input: DpopProofInput): Promise<string> {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('createDpopProof: the argument must be an object');
  }
  const { key, htm, htu } = input;
  if (typeof key !== 'object' || key === null || key.privateKey === undefined) {
    throw new TypeError('createDpopProof: "key" must come from createDpopKey()');
  }
  if (typeof htm !== 'string' || htm === '') {
    throw new TypeError('createDpopProof: "htm" must be an HTTP method');
  }
  if (typeof htu !== 'string' || htu === '') {
    throw new TypeError('createDpopProof: "htu" must be a URL');
  }
  let targetUri = htu;
  if (!input.rawHtu) {
    const url = new URL(htu);
    targetUri = `${url.origin}${url.pathname}`;
  }
  const claims: Record<string, unknown> = {
    jti: input.jti ?? randomUUID(),
    htm,
    htu: targetUri,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
  };
  if (input.accessToken !== undefined) {
    claims.ath = createHash('sha256').update(input.accessToken).digest('base64url');
  }
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  const header = withOverrides({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk }, input.header);
  return signJwt({
    header,
    payload: withOverrides(claims, input.claims),
    key: input.signingKey ?? key.privateKey,
    alg: key.alg,
  });
}

/** Checks a DPoP proof at the token endpoint (RFC 9449 §4.3, minus replay); returns its jkt. */
export async function checkTokenRequestProof(
  proof: string,
  htu: string,
): Promise<string | undefined> {
  const [h, p] = proof.split('.');
  try {
    const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8'));
    if (header.typ !== 'dpop+jwt' || typeof header.jwk !== 'object') return undefined;
    if (claims.htm !== 'POST' || claims.htu !== htu) return undefined;
    if (Math.abs(claims.iat - Date.now() / 1000) > 60) return undefined;
    const { jwtVerify } = await import('jose');
    await jwtVerify(proof, createPublicKey({ key: header.jwk, format: 'jwk' }), {
      typ: 'dpop+jwt',
    });
    return jwkThumbprint(header.jwk);
  } catch {
    return undefined;
  }
}
