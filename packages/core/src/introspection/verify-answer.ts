import { InvalidTokenError, withDetails } from '../errors.js';
import type { JwtConfig, ResolvedIssuer } from '../jwt/options.js';
import { buildVerifiedToken, type VerifiedToken } from '../jwt/verified-token.js';
import { excerpt } from '../lib/excerpt.js';
import { type JsonObject, own } from '../lib/json.js';

/** What the checks need of the introspector's guard. */
export interface AnswerContext
  extends Pick<
    JwtConfig,
    'clockTolerance' | 'maxTokenAge' | 'validityRules' | 'claimMapping' | 'clientBinding'
  > {
  readonly issuer: ResolvedIssuer;
}

const TOKEN_TYPES = new Set(['bearer', 'dpop']);

/**
 * Applies to an active introspection answer the same checks as to a JWT's claims (issuer,
 * audience or client binding, time, validity rules), and refuses a DPoP token whose key the
 * answer does not give. Throws `InvalidTokenError`.
 */
export function verifyAnswer(
  claims: JsonObject,
  nowSeconds: number,
  context: AnswerContext,
  requireAudience: boolean,
  /** Milliseconds: the answer is not used from the cache after this. */
  cacheUntil?: number,
): VerifiedToken {
  const issuer = context.issuer;
  const iss = own(claims, 'iss');
  if (iss !== undefined && iss !== issuer.issuer) {
    throw withDetails(new InvalidTokenError('introspection.iss'), {
      field: 'iss',
      expected: issuer.issuer,
      actual: excerpt(iss),
    });
  }
  const tokenType = own(claims, 'token_type');
  if (
    tokenType !== undefined &&
    (typeof tokenType !== 'string' || !TOKEN_TYPES.has(tokenType.toLowerCase()))
  ) {
    throw new InvalidTokenError('introspection.token_type');
  }
  const verified = buildVerifiedToken('opaque', claims, issuer, undefined, context, nowSeconds, {
    requireExp: false,
    requireAudience: requireAudience,
    clientBinding: context.clientBinding,
    cacheUntil,
  });
  // A DPoP token (RFC 9449 §6.2) whose key we are not told can be checked against no proof, and
  // must never pass as a bearer token: refuse it whatever the scheme.
  if (
    typeof tokenType === 'string' &&
    tokenType.toLowerCase() === 'dpop' &&
    verified.confirmation?.jkt === undefined
  ) {
    throw new InvalidTokenError('introspection.dpop_without_jkt');
  }
  return verified;
}
