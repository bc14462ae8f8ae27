import { KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { type KeyStore, SIGNING_ALGORITHMS, type SigningAlgorithm } from './keys.js';
import { type PrivateKey, type SigningKeyInput, signJwt, toPrivateKey } from './sign-jwt.js';

/**
 * JWT claims or introspection members: any JSON-compatible values, valid or deliberately not.
 *
 * @example
 * ```ts
 * const claims: Claims = { sub: 'alice', aud: 42, exp: undefined };
 * ```
 */
export type Claims = Record<string, unknown>;

/**
 * The subject of minted tokens unless a claim overrides it: `'user-123'`.
 *
 * @example
 * ```ts
 * expect(auth.subject).toBe(DEFAULT_SUBJECT);
 * ```
 */
export const DEFAULT_SUBJECT = 'user-123';
/**
 * The `client_id` of minted tokens, and the id of the default client: `'test-client'`.
 *
 * @example
 * ```ts
 * expect(auth.clientId).toBe(DEFAULT_CLIENT_ID);
 * ```
 */
export const DEFAULT_CLIENT_ID = 'test-client';
/**
 * The `scope` of minted tokens unless a claim overrides it: `'orders:read'`.
 *
 * @example
 * ```ts
 * expect([...auth.scopes]).toEqual([DEFAULT_SCOPE]);
 * ```
 */
export const DEFAULT_SCOPE = 'orders:read';

/** Every algorithm `mintAccessToken` accepts in `opts.alg`. */
export const MINT_ALGORITHMS = [...SIGNING_ALGORITHMS, 'HS256', 'none'] as const;

/**
 * An algorithm `mintAccessToken` can sign with (or `none` for an unsigned token).
 *
 * @example
 * ```ts
 * const alg: MintAlgorithm = 'none';
 * ```
 */
export type MintAlgorithm = (typeof MINT_ALGORITHMS)[number];

/**
 * When a minted token is valid, in seconds relative to now.
 *
 * @example
 * ```ts
 * await server.mintOpaqueToken({}, { expiresIn: -1 }); // already expired
 * ```
 */
export interface TokenTiming {
  /** Seconds from now until `exp`; default the server's `accessTokenTtl`. Negative = expired. */
  expiresIn?: number;
  /** Seconds from now to `nbf`; without it the token has no `nbf`. Positive = not yet valid. */
  notBefore?: number;
  /** Seconds from now to `iat`; default 0. Negative = issued in the past. */
  issuedAt?: number;
}

/**
 * Options of `server.mintAccessToken()`.
 *
 * @example
 * ```ts
 * await server.mintAccessToken({}, { alg: 'PS256', typ: null, header: { jku: 'https://evil' } });
 * ```
 */
export interface MintAccessTokenOptions extends TokenTiming {
  /** The header `alg` and signing algorithm; default the server's `algorithm`. */
  alg?: MintAlgorithm;
  /**
   * The header `kid`. When a published key has this kid, that key signs; otherwise the token is
   * signed by the usual key but carries this kid.
   */
  kid?: string;
  /** The header `typ`; default `at+jwt`. `null` leaves `typ` out. */
  typ?: string | null;
  /** Extra or overriding protected header members (`jku`, `x5u`, `jwk`, `crit`, …); `undefined` removes one. */
  header?: Record<string, unknown>;
  /** `'unpublished'`: sign with a key that is not in the JWKS (its own kid, unless `kid` is given). */
  key?: 'unpublished';
  /** Sign with this private key instead of a server key; `alg` defaults from the key type. */
  signingKey?: SigningKeyInput;
  /** The shared secret for `alg: 'HS256'`. */
  secret?: string | Uint8Array;
}

/** What minting needs to know about the server. */
export interface MintContext {
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  algorithm: SigningAlgorithm;
  keys: KeyStore;
}

/**
 * The claims of a new access token: RFC 9068 defaults, then `claims` on top. A claim set to
 * `undefined` is removed.
 */
export function accessTokenClaims(
  context: MintContext,
  claims: Claims | undefined,
  timing: TokenTiming | undefined,
  caller: string,
): Claims {
  if (claims !== undefined && !isPlainObject(claims)) {
    throw new TypeError(`${caller}: "claims" must be an object`);
  }
  const offset = (name: keyof TokenTiming): number | undefined => {
    const value = timing?.[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new TypeError(`${caller}: "opts.${name}" must be a finite number of seconds`);
    }
    return value;
  };
  const expiresIn = offset('expiresIn');
  const notBefore = offset('notBefore');
  const issuedAt = offset('issuedAt');
  const now = Math.floor(Date.now() / 1000);
  const defaults: Claims = {
    iss: context.issuer,
    sub: DEFAULT_SUBJECT,
    aud: context.audience,
    exp: now + Math.round(expiresIn ?? context.accessTokenTtl),
    iat: now + Math.round(issuedAt ?? 0),
    ...(notBefore === undefined ? {} : { nbf: now + Math.round(notBefore) }),
    jti: randomUUID(),
    client_id: DEFAULT_CLIENT_ID,
    scope: DEFAULT_SCOPE,
  };
  return merge(defaults, claims);
}

/** Signs an access token as `server.mintAccessToken()` describes. */
export async function mintJwt(
  context: MintContext,
  claims: Claims | undefined,
  opts: MintAccessTokenOptions = {},
): Promise<string> {
  const caller = 'mintAccessToken';
  if (!isPlainObject(opts)) throw new TypeError(`${caller}: "opts" must be an object`);
  checkOptions(opts);
  const payload = accessTokenClaims(context, claims, opts, caller);
  const { alg, key, kid } = await chooseKey(context, opts);
  let header: Claims = { alg, typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) };
  if (opts.typ === null) delete header.typ;
  else if (opts.typ !== undefined) header.typ = opts.typ;
  header = merge(header, opts.header);
  return signJwt({ header, payload, key, secret: opts.secret, alg });
}

/** A random opaque token: 32 bytes, base64url, so it never has the shape of a JWS. */
export function opaqueTokenValue(): string {
  return randomBytes(32).toString('base64url');
}

function checkOptions(opts: MintAccessTokenOptions): void {
  const caller = 'mintAccessToken';
  if (opts.alg !== undefined && !(MINT_ALGORITHMS as readonly string[]).includes(opts.alg)) {
    throw new TypeError(`${caller}: "opts.alg" must be one of ${MINT_ALGORITHMS.join(', ')}`);
  }
  if (opts.kid !== undefined && typeof opts.kid !== 'string') {
    throw new TypeError(`${caller}: "opts.kid" must be a string`);
  }
  if (opts.typ !== undefined && opts.typ !== null && typeof opts.typ !== 'string') {
    throw new TypeError(`${caller}: "opts.typ" must be a string or null`);
  }
  if (opts.header !== undefined && !isPlainObject(opts.header)) {
    throw new TypeError(`${caller}: "opts.header" must be an object`);
  }
  if (opts.key !== undefined && opts.key !== 'unpublished') {
    throw new TypeError(`${caller}: "opts.key" must be 'unpublished'`);
  }
  if (opts.key !== undefined && opts.signingKey !== undefined) {
    throw new TypeError(`${caller}: give "opts.key" or "opts.signingKey", not both`);
  }
  const symmetric = opts.alg === 'HS256' || opts.alg === 'none';
  if (opts.alg === 'HS256' && typeof opts.secret !== 'string' && !isBytes(opts.secret)) {
    throw new TypeError(`${caller}: "opts.secret" (a string or Uint8Array) is required for HS256`);
  }
  if (opts.secret !== undefined && opts.alg !== 'HS256') {
    throw new TypeError(`${caller}: "opts.secret" needs "opts.alg" 'HS256'`);
  }
  if (symmetric && (opts.key !== undefined || opts.signingKey !== undefined)) {
    throw new TypeError(`${caller}: "opts.key" and "opts.signingKey" cannot sign ${opts.alg}`);
  }
}

async function chooseKey(
  context: MintContext,
  opts: MintAccessTokenOptions,
): Promise<{ alg: MintAlgorithm; key?: PrivateKey; kid?: string }> {
  if (opts.alg === 'none' || opts.alg === 'HS256') return { alg: opts.alg, kid: opts.kid };
  if (opts.signingKey !== undefined) {
    const key = toPrivateKey(opts.signingKey, 'mintAccessToken: "opts.signingKey"');
    return { alg: opts.alg ?? algorithmFor(key), key, kid: opts.kid };
  }
  if (opts.key === 'unpublished') {
    const stored = await context.keys.unpublishedKey(opts.alg ?? context.algorithm);
    return { alg: stored.alg, key: stored.privateKey, kid: opts.kid ?? stored.kid };
  }
  const named = opts.kid === undefined ? undefined : context.keys.find(opts.kid);
  if (named !== undefined) {
    return { alg: opts.alg ?? named.alg, key: named.privateKey, kid: named.kid };
  }
  const alg = opts.alg ?? context.algorithm;
  const stored = context.keys.signingKey(alg);
  if (stored === undefined) {
    throw new Error(`mintAccessToken: the ${alg} signing key was removed; call rotateKeys()`);
  }
  return { alg, key: stored.privateKey, kid: opts.kid ?? stored.kid };
}

function algorithmFor(key: PrivateKey): SigningAlgorithm {
  switch (key instanceof KeyObject ? key.asymmetricKeyType : key.algorithm.name) {
    case 'rsa':
    case 'RSASSA-PKCS1-v1_5':
      return 'RS256';
    case 'rsa-pss':
    case 'RSA-PSS':
      return 'PS256';
    case 'ec':
    case 'ECDSA':
      return 'ES256';
    case 'ed25519':
    case 'Ed25519':
      return 'EdDSA';
    default:
      throw new TypeError('mintAccessToken: "opts.alg" is required for this "opts.signingKey"');
  }
}

function merge(base: Claims, changes: Claims | undefined): Claims {
  const result = { ...base };
  for (const [name, value] of Object.entries(changes ?? {})) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

/** True for `{}`-style objects (not arrays, not null). */
export function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}
