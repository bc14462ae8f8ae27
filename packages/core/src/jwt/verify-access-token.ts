import { claimsSatisfy } from '../authorize/claims.js';
import { parseScopes } from '../authorize/scopes.js';
import { InvalidTokenError } from '../errors.js';
import { decodeCheckedBase64url, hasCanonicalLength } from '../lib/base64url.js';
import { deepFreeze, isJsonObject, type JsonObject, own, parseJsonObject } from '../lib/json.js';
import { type GuardConfig, normalizeTyp, type ResolvedIssuer } from '../options.js';
import { type JwsAlgorithm, verifySignature } from './algorithms.js';
import type { KeyHandle } from './import-jwk.js';

/**
 * A token that passed every check that does not depend on the request: signature, issuer,
 * audience, times, type, guard-level claim rules. Cached by the verified-token cache; the time
 * checks are repeated on every use ({@link checkTimes}).
 */
export interface VerifiedToken {
  readonly format: 'jwt' | 'opaque';
  readonly claims: Readonly<JsonObject>;
  readonly issuer: string;
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  /** See {@link principalIdOf}; `undefined` when the token names neither `sub` nor a client. */
  readonly principalId: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** Seconds since the epoch. */
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
  readonly jti: string | undefined;
  readonly confirmation: Readonly<{ jkt?: string; 'x5t#S256'?: string }> | undefined;
  /** The key that verified a JWT; a cached token is dropped when its key leaves the JWKS. */
  readonly key: KeyHandle | undefined;
  /** Milliseconds: an introspection result is not used from the cache after this. */
  readonly cacheUntil?: number;
}

/** A compact JWS split into parts, not yet trusted. */
export interface ParsedJws {
  header: JsonObject;
  payload: JsonObject;
  signingInput: Buffer;
  signature: Buffer;
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const JWE_SHAPE =
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether a token has the compact JWS shape (three base64url segments). */
export function isJwsShaped(token: string): boolean {
  return JWS_SHAPE.test(token);
}

/**
 * Whether a token that is not a compact JWS is meant as one: three segments whose first decodes,
 * read leniently (standard alphabet, padding), as a JSON object with an `alg`. Such a token is a
 * malformed JWT, never an opaque token to introspect: an authorization server that decodes
 * leniently could otherwise vouch for it and bypass the JWT-only checks.
 */
export function isNearJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, first), 'base64').toString());
    return typeof header === 'object' && header !== null && Object.hasOwn(header, 'alg');
  } catch {
    return false;
  }
}

/** Whether a token has the compact JWE shape (five segments): an encrypted token. */
export function isJweShaped(token: string): boolean {
  return JWE_SHAPE.test(token);
}

/**
 * Splits and decodes a token that matched {@link isJwsShaped} (so its alphabet is base64url),
 * strictly; throws `InvalidTokenError` when malformed.
 */
export function parseJws(token: string): ParsedJws {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const headerPart = token.slice(0, first);
  const payloadPart = token.slice(first + 1, second);
  const signaturePart = token.slice(second + 1);
  const headerBytes = decodeCheckedBase64url(headerPart);
  const payloadBytes = decodeCheckedBase64url(payloadPart);
  if (
    headerBytes === undefined ||
    payloadBytes === undefined ||
    !hasCanonicalLength(signaturePart)
  ) {
    throw new InvalidTokenError('jwt.encoding');
  }
  const header = parseJsonObject(headerBytes);
  if (header === undefined) throw new InvalidTokenError('jwt.header_malformed');
  const payload = parseJsonObject(payloadBytes);
  if (payload === undefined) throw new InvalidTokenError('jwt.payload_malformed');
  return {
    header,
    payload,
    signingInput: Buffer.from(token.slice(0, second), 'ascii'),
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}

function numericDate(payload: JsonObject, claim: string, required: boolean): number | undefined {
  const value = own(payload, claim);
  if (value === undefined) {
    if (required) throw new InvalidTokenError(`jwt.${claim}_missing`);
    return undefined;
  }
  // `1e400` parses as Infinity: not a date.
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidTokenError(`jwt.${claim}_malformed`);
  }
  return value;
}

/**
 * The time checks, done at verification and again on every cache hit: `exp` (required), `nbf`,
 * `iat` not in the future, and `maxTokenAge`, each with `clockTolerance`.
 */
export function checkTimes(
  token: Pick<VerifiedToken, 'exp' | 'nbf' | 'iat'>,
  nowSeconds: number,
  config: Pick<GuardConfig, 'clockTolerance' | 'maxTokenAge'>,
): void {
  const tolerance = config.clockTolerance;
  if (token.exp !== undefined && nowSeconds - tolerance >= token.exp) {
    throw new InvalidTokenError('jwt.expired', 'The access token expired');
  }
  if (token.nbf !== undefined && nowSeconds + tolerance < token.nbf) {
    throw new InvalidTokenError('jwt.not_yet_valid');
  }
  if (token.iat !== undefined && nowSeconds + tolerance < token.iat) {
    throw new InvalidTokenError('jwt.iat_future');
  }
  if (config.maxTokenAge !== undefined) {
    if (token.iat === undefined) throw new InvalidTokenError('jwt.iat_missing');
    if (nowSeconds - token.iat > config.maxTokenAge + tolerance) {
      throw new InvalidTokenError('jwt.too_old');
    }
  }
}

function audienceMatches(aud: unknown, audiences: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return audiences.has(aud);
  if (Array.isArray(aud)) return aud.some((a) => typeof a === 'string' && audiences.has(a));
  return false;
}

/** `cnf` (RFC 7800) members tokenguard understands, or `undefined`. */
export function readConfirmation(value: unknown): VerifiedToken['confirmation'] {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw new InvalidTokenError('jwt.cnf_malformed');
  const confirmation: { jkt?: string; 'x5t#S256'?: string } = {};
  const jkt = own(value, 'jkt');
  const x5t = own(value, 'x5t#S256');
  if (jkt !== undefined) {
    if (typeof jkt !== 'string' || jkt.length === 0)
      throw new InvalidTokenError('jwt.cnf_malformed');
    confirmation.jkt = jkt;
  }
  if (x5t !== undefined) {
    if (typeof x5t !== 'string' || x5t.length === 0)
      throw new InvalidTokenError('jwt.cnf_malformed');
    confirmation['x5t#S256'] = x5t;
  }
  return Object.freeze(confirmation);
}

const ISSUER_ESCAPES = /[%|]/g;

/**
 * A stable, collision-free key for the caller: `<issuer>|<sub>`, or `<issuer>|client:<client_id>`
 * for a token without `sub` (client credentials); `undefined` when the token has neither, since
 * then nothing identifies the caller. `sub` alone is only unique per issuer (RFC 7519 §4.1.2).
 *
 * Injective: in the issuer, `%` is written `%25` and `|` `%7C` (so the first `|` ends it); in the
 * subject, `%` is written `%25` and a leading `client:` `client%3A` (so a subject can never read
 * as a client). Ordinary issuers and subjects appear as they are.
 */
export function principalIdOf(
  issuer: string,
  subject: string | undefined,
  clientId: string | undefined,
): string | undefined {
  const iss =
    issuer.includes('%') || issuer.includes('|')
      ? issuer.replace(ISSUER_ESCAPES, (c) => (c === '%' ? '%25' : '%7C'))
      : issuer;
  if (subject !== undefined) {
    let sub = subject.includes('%') ? subject.replaceAll('%', '%25') : subject;
    if (sub.startsWith('client:')) sub = `client%3A${sub.slice('client:'.length)}`;
    return `${iss}|${sub}`;
  }
  if (clientId !== undefined && clientId !== '') return `${iss}|client:${clientId}`;
  return undefined;
}

/**
 * The principal fields and token-level checks shared by JWTs and introspection responses:
 * `iss` and `aud` against the issuer's configuration, times, `sub`, `client_id`, scopes, `cnf`,
 * and the guard-level claim rules.
 */
export function buildVerifiedToken(
  format: 'jwt' | 'opaque',
  claims: JsonObject,
  issuer: ResolvedIssuer,
  key: KeyHandle | undefined,
  config: GuardConfig,
  nowSeconds: number,
  options: { requireExp: boolean; requireAudience: boolean },
): VerifiedToken {
  const aud = own(claims, 'aud');
  if (aud !== undefined || options.requireAudience) {
    if (!audienceMatches(aud, issuer.audiences)) {
      throw new InvalidTokenError(aud === undefined ? 'jwt.aud_missing' : 'jwt.aud');
    }
  }
  const exp = numericDate(claims, 'exp', options.requireExp);
  const nbf = numericDate(claims, 'nbf', false);
  const iat = numericDate(claims, 'iat', false);
  const times = { exp, nbf, iat };
  checkTimes(times, nowSeconds, config);

  const sub = own(claims, 'sub');
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0)) {
    throw new InvalidTokenError('jwt.sub_malformed');
  }
  let clientId = own(claims, 'client_id');
  if (clientId === undefined) clientId = own(claims, 'azp');
  if (clientId !== undefined && typeof clientId !== 'string') {
    throw new InvalidTokenError('jwt.client_id_malformed');
  }
  const jti = own(claims, 'jti');
  if (jti !== undefined && typeof jti !== 'string')
    throw new InvalidTokenError('jwt.jti_malformed');
  const scopes = parseScopes(claims);
  if (scopes === undefined) throw new InvalidTokenError('jwt.scope_malformed');
  const confirmation = readConfirmation(own(claims, 'cnf'));
  if (config.validityRules.length > 0 && !claimsSatisfy(config.validityRules, claims)) {
    throw new InvalidTokenError('jwt.claims');
  }

  const subject = sub as string | undefined;
  const client = clientId as string | undefined;
  return {
    format,
    claims: deepFreeze(claims),
    issuer: issuer.issuer,
    subject,
    clientId: client,
    principalId: principalIdOf(issuer.issuer, subject, client),
    scopes,
    exp,
    nbf,
    iat,
    jti: jti as string | undefined,
    confirmation,
    key,
  };
}

// Members that would make a verifier fetch or trust a key named by the token itself. tokenguard
// ignores them for key choice; their presence is not an error (RFC 8725 §3.10), but `crit` is.
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

/**
 * Verifies a JWT access token: strict compact JWS parsing, `alg` on the allow-list (never `none`),
 * no `crit`, `typ` per RFC 9068, `iss` selecting a trusted issuer whose keys alone may verify it,
 * the signature with a key imported once, then the claims (with `accessTokenProfile: 'rfc9068'`,
 * every claim RFC 9068 §2.2 requires). Embedded `jwk`, `jku`, `x5u` and `x5c`
 * headers are ignored: they never cause a fetch or choose a key.
 *
 * Returns synchronously when the issuer's keys are in memory, which is the hot path.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3
 */
export function verifyAccessToken(
  token: string,
  config: GuardConfig,
): VerifiedToken | Promise<VerifiedToken> {
  const jws = parseJws(token);
  const { header, payload } = jws;

  const alg = own(header, 'alg');
  if (typeof alg !== 'string' || !config.algorithms.has(alg as JwsAlgorithm)) {
    throw new InvalidTokenError(
      alg === 'none' || (typeof alg === 'string' && alg.toLowerCase() === 'none')
        ? 'jwt.alg_none'
        : 'jwt.alg',
    );
  }
  if (Object.hasOwn(header, 'crit')) throw new InvalidTokenError('jwt.crit');
  const typ = own(header, 'typ');
  if (typ === undefined) {
    if (config.requireAtJwt) throw new InvalidTokenError('jwt.typ_missing');
  } else if (typeof typ !== 'string' || !config.tokenTypes.has(normalizeTyp(typ))) {
    throw new InvalidTokenError('jwt.typ');
  }
  const kid = own(header, 'kid');
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256)) {
    throw new InvalidTokenError('jwt.kid_malformed');
  }

  const iss = own(payload, 'iss');
  if (typeof iss !== 'string') throw new InvalidTokenError('jwt.iss_missing');
  const issuer = config.issuers.get(iss);
  if (issuer === undefined) throw new InvalidTokenError('jwt.iss');
  const algorithm = alg as JwsAlgorithm;
  if (!issuer.algorithms.has(algorithm)) throw new InvalidTokenError('jwt.alg');
  for (const claim of ID_TOKEN_CLAIMS) {
    if (Object.hasOwn(payload, claim)) throw new InvalidTokenError('jwt.id_token');
  }

  const key = verifyJwsSignature(jws, algorithm, kid as string | undefined, issuer);
  if (key instanceof Promise) return key.then((resolved) => finish(jws, resolved, issuer, config));
  return finish(jws, key, issuer, config);
}

/**
 * Verifies a parsed JWS's signature with one of the issuer's keys (its secret for HS, else its
 * JWKS), synchronously when the keys are in memory. Resolves to the key that verified it.
 */
export function verifyJwsSignature(
  jws: ParsedJws,
  alg: JwsAlgorithm,
  kid: string | undefined,
  issuer: ResolvedIssuer,
): KeyHandle | Promise<KeyHandle> {
  if (issuer.secret !== undefined && (alg === 'HS256' || alg === 'HS384' || alg === 'HS512')) {
    return checkSignature(jws, alg, [issuer.secret]);
  }
  if (issuer.keySource === undefined) throw new InvalidTokenError('jwt.alg');
  const keys = issuer.keySource.resolve(kid, alg);
  if (keys instanceof Promise) return keys.then((resolved) => checkSignature(jws, alg, resolved));
  return checkSignature(jws, alg, keys);
}

function checkSignature(jws: ParsedJws, alg: JwsAlgorithm, keys: readonly KeyHandle[]): KeyHandle {
  // Without a kid several keys may fit; try a few, never an unbounded number.
  for (let i = 0; i < keys.length && i < 4; i++) {
    const key = keys[i] as KeyHandle;
    if (verifySignature(alg, key.key, jws.signingInput, jws.signature)) return key;
  }
  throw new InvalidTokenError('jwt.signature');
}

function finish(
  jws: ParsedJws,
  key: KeyHandle,
  issuer: ResolvedIssuer,
  config: GuardConfig,
): VerifiedToken {
  const now = config.clock() / 1000;
  const verified = buildVerifiedToken('jwt', jws.payload, issuer, key, config, now, {
    requireExp: true,
    requireAudience: true,
  });
  if (config.requireAtJwt) checkProfileClaims(jws.payload);
  return verified;
}

/**
 * RFC 9068 §2.2: the claims a JWT access token MUST carry, beyond `iss`, `exp` and `aud` (required
 * of every JWT): `sub`, `client_id` (`azp` does not stand in for it), `iat` and `jti`. Their
 * types were checked with the other claims; here only presence, and non-empty strings.
 */
function checkProfileClaims(payload: JsonObject): void {
  if (own(payload, 'sub') === undefined) throw new InvalidTokenError('jwt.sub_missing');
  const clientId = own(payload, 'client_id');
  if (clientId === undefined) throw new InvalidTokenError('jwt.client_id_missing');
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new InvalidTokenError('jwt.client_id_malformed');
  }
  if (own(payload, 'iat') === undefined) throw new InvalidTokenError('jwt.iat_missing');
  const jti = own(payload, 'jti');
  if (jti === undefined) throw new InvalidTokenError('jwt.jti_missing');
  if (typeof jti !== 'string' || jti.length === 0) throw new InvalidTokenError('jwt.jti_malformed');
}
