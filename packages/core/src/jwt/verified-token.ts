import { claimsSatisfy, failingClaimRule } from '../authorize/claims.js';
import { InvalidTokenError, withDetails } from '../errors.js';
import type { KeyHandle } from '../jws/jwk.js';
import { excerpt, listed } from '../lib/excerpt.js';
import { deepFreeze, isJsonObject, type JsonObject, own } from '../lib/json.js';
import type { AuthContext } from '../types.js';
import { readClientId, readScopes } from './claim-mapping.js';
import { checkClientBinding, type ResolvedClientBinding } from './client-binding.js';
import type { IssuerSettings, JwtConfig } from './options.js';

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
  /** A JWT-SVID's SPIFFE ID (its `sub`), which is then also its `principalId`. */
  readonly spiffeId?: string;
  /**
   * The frozen principal handed to every request that presents this token, per scheme, made on
   * first use (`accept()` in respond.ts). A copy of a verified token gets its own.
   */
  readonly contexts: { bearer?: AuthContext; dpop?: AuthContext };
  /** The token's DPoP `ath` (base64url SHA-256 of the token), computed on first use. */
  ath?: string;
}

function numericDate(payload: JsonObject, claim: string, required: boolean): number | undefined {
  const value = own(payload, claim);
  if (value === undefined) {
    if (required) {
      throw withDetails(new InvalidTokenError(`jwt.${claim}_missing`), {
        field: claim,
        actual: null,
      });
    }
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
  config: Pick<JwtConfig, 'clockTolerance' | 'maxTokenAge'>,
): void {
  const tolerance = config.clockTolerance;
  const late = (error: InvalidTokenError, field: string, actual: number | null) =>
    withDetails(error, {
      field,
      actual,
      now: Math.floor(nowSeconds),
      clockTolerance: tolerance,
      ...(field === 'iat' && config.maxTokenAge !== undefined && { expected: config.maxTokenAge }),
    });
  if (token.exp !== undefined && nowSeconds - tolerance >= token.exp) {
    throw late(new InvalidTokenError('jwt.expired', 'The access token expired'), 'exp', token.exp);
  }
  if (token.nbf !== undefined && nowSeconds + tolerance < token.nbf) {
    throw late(new InvalidTokenError('jwt.not_yet_valid'), 'nbf', token.nbf);
  }
  if (token.iat !== undefined && nowSeconds + tolerance < token.iat) {
    throw late(new InvalidTokenError('jwt.iat_future'), 'iat', token.iat);
  }
  if (config.maxTokenAge !== undefined) {
    if (token.iat === undefined) throw late(new InvalidTokenError('jwt.iat_missing'), 'iat', null);
    if (nowSeconds - token.iat > config.maxTokenAge + tolerance) {
      throw late(new InvalidTokenError('jwt.too_old'), 'iat', token.iat);
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
 * `iss` and `aud` against the issuer's configuration (or, for a token without `aud`, the client
 * binding), times, `sub`, the client id and scopes (where the claim mapping says), `cnf`, and the
 * guard-level claim rules.
 */
export function buildVerifiedToken(
  format: 'jwt' | 'opaque',
  claims: JsonObject,
  issuer: Pick<IssuerSettings, 'issuer' | 'audiences'>,
  key: KeyHandle | undefined,
  config: Pick<JwtConfig, 'clockTolerance' | 'maxTokenAge' | 'validityRules' | 'claimMapping'>,
  nowSeconds: number,
  options: {
    requireExp: boolean;
    requireAudience: boolean;
    /** What binds a token without `aud` instead (checked once the client id is read). */
    clientBinding: ResolvedClientBinding | undefined;
    /** An introspection answer's: see {@link VerifiedToken.cacheUntil}. */
    cacheUntil?: number | undefined;
  },
): VerifiedToken {
  const aud = own(claims, 'aud');
  if (aud !== undefined || (options.requireAudience && options.clientBinding === undefined)) {
    if (!audienceMatches(aud, issuer.audiences)) {
      throw withDetails(new InvalidTokenError(aud === undefined ? 'jwt.aud_missing' : 'jwt.aud'), {
        field: 'aud',
        expected: listed(issuer.audiences),
        actual: excerpt(aud),
      });
    }
  }
  // No `aud`, but a client binding instead: checked once the client id is read.
  const bound = aud === undefined && options.requireAudience;
  const exp = numericDate(claims, 'exp', options.requireExp);
  const nbf = numericDate(claims, 'nbf', false);
  const iat = numericDate(claims, 'iat', false);
  const times = { exp, nbf, iat };
  checkTimes(times, nowSeconds, config);

  const sub = own(claims, 'sub');
  if (sub !== undefined && (typeof sub !== 'string' || sub.length === 0)) {
    throw new InvalidTokenError('jwt.sub_malformed');
  }
  const clientId = readClientId(claims, config.claimMapping);
  if (bound) checkClientBinding(claims, clientId, options.clientBinding);
  const jti = own(claims, 'jti');
  if (jti !== undefined && typeof jti !== 'string')
    throw new InvalidTokenError('jwt.jti_malformed');
  const scopes = readScopes(claims, config.claimMapping);
  const confirmation = readConfirmation(own(claims, 'cnf'));
  if (config.validityRules.length > 0 && !claimsSatisfy(config.validityRules, claims)) {
    const failed = failingClaimRule(config.validityRules, claims);
    const error = new InvalidTokenError('jwt.claims');
    throw failed === undefined ? error : withDetails(error, failed);
  }

  const subject = sub as string | undefined;
  const verified: { -readonly [K in keyof VerifiedToken]: VerifiedToken[K] } = {
    format,
    claims: deepFreeze(claims),
    issuer: issuer.issuer,
    subject,
    clientId,
    principalId: principalIdOf(issuer.issuer, subject, clientId),
    scopes,
    exp,
    nbf,
    iat,
    jti: jti as string | undefined,
    confirmation,
    key,
    contexts: {},
  };
  if (options.cacheUntil !== undefined) verified.cacheUntil = options.cacheUntil;
  return verified;
}
