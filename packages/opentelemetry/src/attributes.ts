/**
 * The attribute names this package records. OpenTelemetry's registry has `error.type`; everything
 * else is tokenguard's own and lives under `tokenguard.`. Every value is one of a fixed set chosen
 * by tokenguard or the API's configuration (a trusted issuer), never a string from the request.
 */

/** `accepted`, `rejected` (4xx) or `unavailable` (503: the authorization server or a store). */
export const ATTR_OUTCOME = 'tokenguard.authentication.outcome';
/** The internal reason of a rejection: `jwt.aud`, `jwt.expired`, `jwks.unavailable`, … */
export const ATTR_REASON = 'tokenguard.authentication.reason';
/** `Bearer` or `DPoP`. */
export const ATTR_SCHEME = 'tokenguard.authentication.scheme';
/** `jwt` or `opaque`. */
export const ATTR_FORMAT = 'tokenguard.token.format';
/** Whether the verified-token cache answered. */
export const ATTR_CACHED = 'tokenguard.token.cached';
/** The token's issuer (accepted) or the issuer whose keys were fetched: one the API trusts. */
export const ATTR_ISSUER = 'tokenguard.issuer';
/** OpenTelemetry's `error.type`: the rejection's `code` or the upstream failure. */
export const ATTR_ERROR_TYPE = 'error.type';
/** `verified_token` or `introspection`. */
export const ATTR_CACHE_NAME = 'tokenguard.cache.name';
/** `jwks` or `discovery`: which document a key fetch asked for. */
export const ATTR_JWKS_DOCUMENT = 'tokenguard.jwks.document';
/** `success` or `failure`. */
export const ATTR_JWKS_OUTCOME = 'tokenguard.jwks.outcome';
/** `active`, `inactive`, `failure` or `saturated`. */
export const ATTR_INTROSPECTION_OUTCOME = 'tokenguard.introspection.outcome';
