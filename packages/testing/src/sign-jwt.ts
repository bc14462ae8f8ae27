import {
  constants,
  createHmac,
  createPrivateKey,
  type JsonWebKey,
  KeyObject,
  type SignKeyObjectInput,
  sign,
  webcrypto,
} from 'node:crypto';
import type { JWK } from 'jose';

/**
 * A private key to sign with: a Node.js `KeyObject`, a Web Crypto `CryptoKey`, or a private JWK.
 *
 * @example
 * ```ts
 * const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * await server.mintAccessToken({}, { signingKey: privateKey });
 * ```
 */
export type SigningKeyInput = KeyObject | webcrypto.CryptoKey | JWK;

/**
 * What {@link signJwt} signs. Give `header` or `headerJson`, and `payload` or `payloadJson`.
 *
 * @example
 * ```ts
 * const input: SignJwtInput = { header: { alg: 'HS256' }, payloadJson: '{"a":1,"a":2}', secret: 'k' };
 * ```
 */
export interface SignJwtInput {
  /** The protected header, serialised with `JSON.stringify` as is (nothing is added). */
  header?: Record<string, unknown>;
  /** The exact protected header text, used instead of `header` (e.g. duplicate member names). */
  headerJson?: string;
  /** The claims, serialised with `JSON.stringify` as is (nothing is added). */
  payload?: Record<string, unknown>;
  /** The exact payload text, used instead of `payload` (duplicate members, not JSON at all, …). */
  payloadJson?: string;
  /** The private key for RS*, PS*, ES* and EdDSA. */
  key?: SigningKeyInput;
  /** The shared secret for HS256, HS384 and HS512. */
  secret?: string | Uint8Array;
  /**
   * The algorithm the signature is computed with. Defaults to the header's `alg`; set it to make
   * the header lie about the algorithm.
   */
  alg?: string;
}

type Signer = (data: Buffer, key: KeyObject) => Buffer;

const rsa =
  (hash: string): Signer =>
  (data, key) =>
    sign(hash, data, key);
const pss =
  (hash: string, saltLength: number): Signer =>
  (data, key) =>
    sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
const ecdsa =
  (hash: string): Signer =>
  (data, key) =>
    sign(hash, data, { key, dsaEncoding: 'ieee-p1363' } satisfies SignKeyObjectInput);

const asymmetric: Record<string, { keyTypes: string[]; sign: Signer }> = {
  RS256: { keyTypes: ['rsa'], sign: rsa('sha256') },
  RS384: { keyTypes: ['rsa'], sign: rsa('sha384') },
  RS512: { keyTypes: ['rsa'], sign: rsa('sha512') },
  PS256: { keyTypes: ['rsa', 'rsa-pss'], sign: pss('sha256', 32) },
  PS384: { keyTypes: ['rsa', 'rsa-pss'], sign: pss('sha384', 48) },
  PS512: { keyTypes: ['rsa', 'rsa-pss'], sign: pss('sha512', 64) },
  ES256: { keyTypes: ['ec'], sign: ecdsa('sha256') },
  ES384: { keyTypes: ['ec'], sign: ecdsa('sha384') },
  ES512: { keyTypes: ['ec'], sign: ecdsa('sha512') },
  EdDSA: { keyTypes: ['ed25519', 'ed448'], sign: (data, key) => sign(null, data, key) },
  Ed25519: { keyTypes: ['ed25519'], sign: (data, key) => sign(null, data, key) },
};

const hmac: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/** Every algorithm {@link signJwt} can compute a signature with. */
export const SIGNATURE_ALGORITHMS: readonly string[] = [
  ...Object.keys(asymmetric),
  ...Object.keys(hmac),
  'none',
];

/**
 * Signs arbitrary header and payload JSON into a JWS compact serialisation, adding nothing and
 * checking nothing about the claims. It exists to build the tokens a resource server must
 * reject: `alg: 'none'` (empty signature part), a header that lies about `alg`, `crit`, `jku`,
 * `jwk`, duplicate JSON members (`payloadJson`), a payload that is not JSON at all, or an HMAC
 * signed with a public key as the secret.
 *
 * It does check its own arguments: an algorithm it cannot compute, a missing key or secret, or a
 * key of the wrong type is a `TypeError`.
 *
 * @example
 * ```ts
 * const token = await signJwt({
 *   headerJson: '{"alg":"ES256","kid":"k1","alg":"none"}',
 *   payload: { sub: 'user-123' },
 *   key: privateKey,
 * });
 * const unsigned = await signJwt({ header: { alg: 'none' }, payload: { sub: 'user-123' } });
 * // unsigned ends with '.': the signature part is empty
 * ```
 * @see RFC 7515 §7.1 (JWS compact serialisation), RFC 7519 §6 (unsecured JWTs)
 */
export async function signJwt(input: SignJwtInput): Promise<string> {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('signJwt: the argument must be an object');
  }
  const headerText = jsonText(input.header, input.headerJson, 'header');
  const payloadText = jsonText(input.payload, input.payloadJson, 'payload');
  const alg = input.alg ?? algFromHeader(input.header, headerText);
  const signingInput = `${encode(headerText)}.${encode(payloadText)}`;
  const signature = await computeSignature(alg, Buffer.from(signingInput), input);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function jsonText(value: unknown, text: unknown, name: 'header' | 'payload'): string {
  if (text !== undefined) {
    if (value !== undefined) {
      throw new TypeError(`signJwt: give "${name}" or "${name}Json", not both`);
    }
    if (typeof text !== 'string') throw new TypeError(`signJwt: "${name}Json" must be a string`);
    return text;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`signJwt: "${name}" must be an object (or give "${name}Json")`);
  }
  return JSON.stringify(value);
}

function algFromHeader(header: Record<string, unknown> | undefined, headerText: string): string {
  let alg: unknown = header?.alg;
  if (header === undefined) {
    try {
      alg = (JSON.parse(headerText) as { alg?: unknown } | null)?.alg;
    } catch {
      alg = undefined;
    }
  }
  if (typeof alg !== 'string') {
    throw new TypeError('signJwt: "alg" is required when the header has no string "alg"');
  }
  return alg;
}

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

async function computeSignature(alg: string, data: Buffer, input: SignJwtInput): Promise<Buffer> {
  if (alg === 'none') return Buffer.alloc(0);
  const hash = hmac[alg];
  if (hash !== undefined) {
    if (typeof input.secret !== 'string' && !(input.secret instanceof Uint8Array)) {
      throw new TypeError(`signJwt: "secret" (a string or Uint8Array) is required for ${alg}`);
    }
    return createHmac(hash, input.secret).update(data).digest();
  }
  const signer = asymmetric[alg];
  if (signer === undefined) {
    throw new TypeError(
      `signJwt: "alg" must be one of ${SIGNATURE_ALGORITHMS.join(', ')} to compute a signature`,
    );
  }
  if (input.key === undefined) throw new TypeError(`signJwt: "key" is required for ${alg}`);
  const key = toPrivateKey(input.key, 'signJwt: "key"');
  if (!(key instanceof KeyObject)) return webCryptoSign(alg, data, key);
  if (!signer.keyTypes.includes(key.asymmetricKeyType ?? '')) {
    throw new TypeError(
      `signJwt: "key" is a ${key.asymmetricKeyType} key, which cannot sign ${alg}`,
    );
  }
  return signer.sign(data, key);
}

/**
 * A private key ready to sign with: a `KeyObject`, or a `CryptoKey` that is used through Web Crypto
 * as it is. Node 24 deprecates `KeyObject.from()` for a non-extractable `CryptoKey` (DEP0204; a
 * later Node throws), and Web Crypto keeps the algorithm the key was made for (RSA-PSS, its hash).
 */
export type PrivateKey = KeyObject | webcrypto.CryptoKey;

/** Checks any accepted private key form, or throws a `TypeError` naming `what`. */
export function toPrivateKey(input: SigningKeyInput, what: string): PrivateKey {
  let key: PrivateKey;
  try {
    if (input instanceof KeyObject || isCryptoKey(input)) key = input;
    else key = createPrivateKey({ key: input as JsonWebKey, format: 'jwk' });
  } catch {
    throw new TypeError(`${what} must be a private KeyObject, CryptoKey or JWK`);
  }
  if (key.type !== 'private') throw new TypeError(`${what} must be a private key`);
  return key;
}

// Web Crypto's names for the key each algorithm needs, and the hash and salt length it signs with.
const web: Record<string, { names: string[]; hash?: string; saltLength?: number }> = {
  RS256: { names: ['RSASSA-PKCS1-v1_5'], hash: 'SHA-256' },
  RS384: { names: ['RSASSA-PKCS1-v1_5'], hash: 'SHA-384' },
  RS512: { names: ['RSASSA-PKCS1-v1_5'], hash: 'SHA-512' },
  PS256: { names: ['RSA-PSS'], hash: 'SHA-256', saltLength: 32 },
  PS384: { names: ['RSA-PSS'], hash: 'SHA-384', saltLength: 48 },
  PS512: { names: ['RSA-PSS'], hash: 'SHA-512', saltLength: 64 },
  ES256: { names: ['ECDSA'], hash: 'SHA-256' },
  ES384: { names: ['ECDSA'], hash: 'SHA-384' },
  ES512: { names: ['ECDSA'], hash: 'SHA-512' },
  EdDSA: { names: ['Ed25519', 'Ed448'] },
  Ed25519: { names: ['Ed25519'] },
};

async function webCryptoSign(alg: string, data: Buffer, key: webcrypto.CryptoKey): Promise<Buffer> {
  const name = key.algorithm.name;
  // An RSA key's hash is part of the key in Web Crypto; ECDSA's is chosen per signature.
  const keyHash = (key.algorithm as { hash?: { name?: string } }).hash?.name;
  const want = web[alg];
  if (
    want === undefined ||
    !want.names.includes(name) ||
    (keyHash !== undefined && keyHash !== want.hash)
  ) {
    throw new TypeError(`signJwt: "key" is a ${name} key, which cannot sign ${alg}`);
  }
  try {
    // ECDSA signatures come out as r || s (IEEE P1363), which is what JWS wants.
    return Buffer.from(
      await webcrypto.subtle.sign(
        { name, hash: want.hash, saltLength: want.saltLength },
        key,
        data,
      ),
    );
  } catch {
    throw new TypeError(`signJwt: "key" cannot sign (its usages must include "sign")`);
  }
}

function isCryptoKey(value: unknown): value is webcrypto.CryptoKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    'algorithm' in value &&
    'usages' in value &&
    'extractable' in value
  );
}
