import { InvalidTokenError, withDetails } from '../errors.js';
import type { JwsAlgorithm } from '../jws/algorithms.js';
import type { KeyHandle } from '../jws/jwk.js';
import { type ParsedJws, parseJws } from '../jws/parse.js';
import { verifyJwsSignature } from '../jws/verify.js';
import { excerpt, listed } from '../lib/excerpt.js';
import { type JsonObject, own } from '../lib/json.js';
import { type JwtConfig, normalizeTyp, type ResolvedIssuer } from './options.js';
import { selectIssuer } from './select-issuer.js';
import { buildVerifiedToken, type VerifiedToken } from './verified-token.js';

// Members that would make a verifier fetch or trust a key named by the token itself. tokenguard
// ignores them for key choice; their presence is not an error (RFC 8725 §3.10), but `crit` is.
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

/**
 * Verifies a JWT access token: strict compact JWS parsing, `alg` on the allow-list (never `none`),
 * no `crit`, `typ` per RFC 9068, `iss` selecting a trusted issuer whose keys alone may verify it
 * (or a JWT-SVID's trust domain: see `selectIssuer`),
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
  config: JwtConfig,
): VerifiedToken | Promise<VerifiedToken> {
  const jws = parseJws(token);
  const { header, payload } = jws;

  const alg = own(header, 'alg');
  if (typeof alg !== 'string' || !config.algorithms.has(alg as JwsAlgorithm)) {
    throw withDetails(
      new InvalidTokenError(
        alg === 'none' || (typeof alg === 'string' && alg.toLowerCase() === 'none')
          ? 'jwt.alg_none'
          : 'jwt.alg',
      ),
      { field: 'alg', expected: listed(config.algorithms), actual: excerpt(alg) },
    );
  }
  if (Object.hasOwn(header, 'crit')) throw new InvalidTokenError('jwt.crit');
  const typ = own(header, 'typ');
  if (typ === undefined) {
    if (config.requireAtJwt) {
      throw withDetails(new InvalidTokenError('jwt.typ_missing'), {
        field: 'typ',
        expected: listed(config.tokenTypes),
        actual: null,
      });
    }
  } else if (typeof typ !== 'string' || !config.tokenTypes.has(normalizeTyp(typ))) {
    throw withDetails(new InvalidTokenError('jwt.typ'), {
      field: 'typ',
      expected: listed(config.tokenTypes),
      actual: excerpt(typ),
    });
  }
  const kid = own(header, 'kid');
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256)) {
    throw new InvalidTokenError('jwt.kid_malformed');
  }

  const { issuer, spiffeId } = selectIssuer(header, payload, config);
  const algorithm = alg as JwsAlgorithm;
  if (!issuer.algorithms.has(algorithm)) {
    throw withDetails(new InvalidTokenError('jwt.alg'), {
      field: 'alg',
      expected: listed(issuer.algorithms),
      actual: algorithm,
    });
  }
  for (const claim of ID_TOKEN_CLAIMS) {
    if (Object.hasOwn(payload, claim)) {
      throw withDetails(new InvalidTokenError('jwt.id_token'), { field: claim });
    }
  }

  const key = verifyJwsSignature(jws, algorithm, kid as string | undefined, issuer);
  if (key instanceof Promise) {
    return key.then((resolved) => finish(jws, resolved, issuer, config, spiffeId));
  }
  return finish(jws, key, issuer, config, spiffeId);
}

function finish(
  jws: ParsedJws,
  key: KeyHandle,
  issuer: ResolvedIssuer,
  config: JwtConfig,
  spiffeId: string | undefined,
): VerifiedToken {
  const now = config.clock() / 1000;
  const verified = buildVerifiedToken('jwt', jws.payload, issuer, key, config, now, {
    requireExp: true,
    requireAudience: true,
    // A JWT-SVID must carry `aud` (JWT-SVID §3.2): no client binding stands in for it.
    clientBinding: spiffeId === undefined ? config.clientBinding : undefined,
  });
  if (config.requireAtJwt) checkProfileClaims(jws.payload);
  // The SPIFFE ID names the workload across trust domains: it is the principal's key.
  return spiffeId === undefined
    ? verified
    : { ...verified, spiffeId, principalId: spiffeId, contexts: {} };
}

/**
 * RFC 9068 §2.2: the claims a JWT access token MUST carry, beyond `iss`, `exp` and `aud` (required
 * of every JWT): `sub`, `client_id` (`azp` does not stand in for it), `iat` and `jti`. Their
 * types were checked with the other claims; here only presence, and non-empty strings.
 */
function checkProfileClaims(payload: JsonObject): void {
  const missing = (claim: string) =>
    withDetails(new InvalidTokenError(`jwt.${claim}_missing`), { field: claim, actual: null });
  if (own(payload, 'sub') === undefined) throw missing('sub');
  const clientId = own(payload, 'client_id');
  if (clientId === undefined) throw missing('client_id');
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new InvalidTokenError('jwt.client_id_malformed');
  }
  if (own(payload, 'iat') === undefined) throw missing('iat');
  const jti = own(payload, 'jti');
  if (jti === undefined) throw missing('jti');
  if (typeof jti !== 'string' || jti.length === 0) throw new InvalidTokenError('jwt.jti_malformed');
}
