import { authorize, type CompiledRequirements } from './authorize/authorize.js';
import type { ExtractedToken } from './bearer/extract-token.js';
import { bindToken } from './bind.js';
import type { GuardConfig } from './construct.js';
import type { NonceIssuer } from './dpop/nonce.js';
import type { CheckedProof } from './dpop/verify-proof.js';
import { InvalidTokenError } from './errors.js';
import type { Introspector } from './introspection/introspect.js';
import { isJweShaped, isNearJws } from './jws/parse.js';
import type { VerifiedToken } from './jwt/verified-token.js';
import { verifyAccessToken } from './jwt/verify-access-token.js';
import type { IncomingRequest } from './request.js';
import { accept, publishAuthenticated, type RejectionContext, rejectRequest } from './respond.js';
import { checkRevocation } from './revocation.js';
import type { AuthContext } from './types.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';

/** What the steps after verification need of their guard, made once per guard. */
export interface CompletionSteps {
  readonly config: GuardConfig;
  readonly introspector: Introspector | undefined;
  readonly nonce: NonceIssuer | undefined;
  readonly cache: VerifiedTokenCache | undefined;
}

/**
 * Step 2 for a token the cache did not have: a JWS is checked here (synchronously when its key is
 * in memory), anything else is asked of the introspection endpoint, if there is one.
 */
export function verifyToken(
  steps: CompletionSteps,
  token: string,
  jws: boolean,
  fresh: boolean,
): VerifiedToken | Promise<VerifiedToken> {
  if (jws) return verifyAccessToken(token, steps.config);
  if (isNearJws(token)) throw new InvalidTokenError('jwt.encoding');
  // Not a JWT: an opaque token (or an encrypted one) only the issuer can tell about.
  if (steps.introspector !== undefined) return steps.introspector.introspect(token, fresh);
  throw new InvalidTokenError(isJweShaped(token) ? 'jwt.jwe' : 'token.opaque_unsupported');
}

/**
 * What a verified token still goes through, steps 2 to 5 of a request: the issuer's word for a
 * revocation-sensitive JWT (introspection in `mode: 'always'` or for an `introspect` route), the
 * binding to the request (DPoP proof, client certificate), the requirements, the application's
 * `isRevoked`, and the principal. Synchronous unless a step must wait (an introspection call, a
 * proof to remember, an async `isRevoked`): the hot path of a bearer token allocates no promise. Rejections are thrown (or reject) as they are; the
 * guard gives them their headers.
 */
export function completeRequest(
  steps: CompletionSteps,
  request: IncomingRequest,
  extracted: ExtractedToken,
  verified: VerifiedToken,
  proof: CheckedProof | undefined,
  compiled: CompiledRequirements,
  cached: boolean,
  nowMs: number,
  introspected = false,
): AuthContext | Promise<AuthContext> {
  const introspector = steps.introspector;
  if (
    !introspected &&
    verified.format === 'jwt' &&
    introspector !== undefined &&
    (compiled.introspect || introspector.mode === 'always')
  ) {
    // Revocation-sensitive: a locally valid JWT must also be active at the issuer.
    return introspector
      .introspect(extracted.token, compiled.introspect)
      .then(() =>
        completeRequest(steps, request, extracted, verified, proof, compiled, cached, nowMs, true),
      );
  }
  // 3. Bind.
  const binding = bindToken(verified, proof, request, steps.config);
  if (binding !== undefined) {
    return binding.then(() =>
      respond(steps, request, extracted, verified, proof, compiled, cached, nowMs),
    );
  }
  return respond(steps, request, extracted, verified, proof, compiled, cached, nowMs);
}

/** {@link completeRequest} for a token whose verification had to wait (a key set, an answer). */
export async function completeLater(
  steps: CompletionSteps,
  pending: Promise<VerifiedToken>,
  request: IncomingRequest,
  extracted: ExtractedToken,
  proof: CheckedProof | undefined,
  compiled: CompiledRequirements,
  nowMs: number,
): Promise<AuthContext> {
  const verified = await pending;
  steps.cache?.set(extracted.token, verified);
  return completeRequest(steps, request, extracted, verified, proof, compiled, false, nowMs);
}

/** The steps that waited: a rejection becomes the request's `AuthError`, with its headers. */
export async function settleRequest<T>(
  rejection: RejectionContext,
  request: IncomingRequest,
  extracted: ExtractedToken,
  pending: Promise<T>,
): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw rejectRequest(error, rejection, request, extracted);
  }
}

function respond(
  steps: CompletionSteps,
  request: IncomingRequest,
  extracted: ExtractedToken,
  verified: VerifiedToken,
  proof: CheckedProof | undefined,
  compiled: CompiledRequirements,
  cached: boolean,
  nowMs: number,
): AuthContext | Promise<AuthContext> {
  // 4. Authorize.
  authorize(compiled, verified.scopes, verified.claims, nowMs / 1000);

  // 5. Respond, once the application's own revocation check (if any) passed too: it runs on
  // every request, a cache hit's included, with the principal the handler would get.
  const nonce = proof?.nonceStale ? steps.nonce?.issue(nowMs) : undefined;
  const origin = request.headers.origin !== undefined;
  const auth = accept(extracted, verified, steps.config.challenge, origin, nonce);
  const isRevoked = steps.config.isRevoked;
  const revocation = isRevoked === undefined ? undefined : checkRevocation(isRevoked, auth);
  if (revocation !== undefined) {
    return revocation.then(() => {
      publishAuthenticated(extracted, verified, cached);
      return auth;
    });
  }
  publishAuthenticated(extracted, verified, cached);
  return auth;
}
