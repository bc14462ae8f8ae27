import { authorize, type CompiledRequirements } from './authorize/authorize.js';
import type { ExtractedToken } from './bearer/extract-token.js';
import { bindToken } from './bind.js';
import type { GuardConfig } from './construct.js';
import { authenticatedChannel, tokenId } from './diagnostics.js';
import type { NonceIssuer } from './dpop/nonce.js';
import type { CheckedProof } from './dpop/verify-proof.js';
import type { Introspector } from './introspection/introspect.js';
import type { VerifiedToken } from './jwt/verified-token.js';
import type { IncomingRequest } from './request.js';
import { accept } from './respond.js';
import type { AuthContext } from './types.js';

/** What the steps after verification need of their guard, made once per guard. */
export interface CompletionSteps {
  readonly config: GuardConfig;
  readonly introspector: Introspector | undefined;
  readonly nonce: NonceIssuer | undefined;
}

/**
 * What a verified token still goes through, steps 2 to 5 of a request: the issuer's word for a
 * revocation-sensitive JWT (introspection in `mode: 'always'` or for an `introspect` route), the
 * binding to the request (DPoP proof, client certificate), the requirements, and the principal.
 * Synchronous unless a step must wait (an introspection call, a proof to remember): the hot path
 * of a bearer token allocates no promise. Rejections are thrown (or reject) as they are; the
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

function respond(
  steps: CompletionSteps,
  request: IncomingRequest,
  extracted: ExtractedToken,
  verified: VerifiedToken,
  proof: CheckedProof | undefined,
  compiled: CompiledRequirements,
  cached: boolean,
  nowMs: number,
): AuthContext {
  // 4. Authorize.
  authorize(compiled, verified.scopes, verified.claims, nowMs / 1000);

  // 5. Respond.
  if (authenticatedChannel.hasSubscribers) {
    authenticatedChannel.publish({
      issuer: verified.issuer,
      principalId: verified.principalId,
      clientId: verified.clientId,
      format: verified.format,
      scheme: extracted.scheme,
      tokenId: tokenId(extracted.token, verified.jti),
      cached,
    });
  }
  const nonce = proof?.nonceStale ? steps.nonce?.issue(nowMs) : undefined;
  return accept(
    extracted,
    verified,
    steps.config.challenge,
    request.headers.origin !== undefined,
    nonce,
  );
}
