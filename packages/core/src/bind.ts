import type { ResolvedDpop } from './dpop/options.js';
import { rememberProof } from './dpop/replay.js';
import type { CheckedProof } from './dpop/verify-proof.js';
import { InvalidTokenError, withDetails } from './errors.js';
import type { VerifiedToken } from './jwt/verified-token.js';
import { checkCertificateBinding } from './mtls/certificate-binding.js';
import type { ResolvedMtls } from './mtls/options.js';
import type { IncomingRequest } from './request.js';
import type { Store } from './store.js';

/**
 * Binds a verified token to the request (its sender constraint): the DPoP proof's key must be the
 * token's (`cnf.jkt`, RFC 9449 §6) and the proof's `jti` new (the replay memory); the client
 * certificate must be the token's (`cnf["x5t#S256"]`, RFC 8705 §3). A bound token is never
 * accepted as a bearer token, whatever the configuration (RFC 9449 §7.2), and with
 * `mtls.required` every token must be certificate-bound. Synchronous unless there is a proof to
 * remember (the hot path of a bearer token stays free of a promise).
 */
export function bindToken(
  verified: VerifiedToken,
  proof: CheckedProof | undefined,
  request: IncomingRequest,
  config: {
    readonly dpop: ResolvedDpop | undefined;
    readonly replayStore: Store;
    readonly mtls: ResolvedMtls | undefined;
  },
): Promise<void> | undefined {
  const jkt = verified.confirmation?.jkt;
  const bound = verified.confirmation?.['x5t#S256'];
  if (proof !== undefined) {
    if (jkt === undefined) throw new InvalidTokenError('dpop.token_not_bound');
    if (proof.jkt !== jkt) {
      // Thumbprints of public keys: what the token is bound to, and the proof's key.
      throw withDetails(new InvalidTokenError('dpop.key_binding', 'Invalid DPoP key binding'), {
        field: 'jkt',
        expected: jkt,
        actual: proof.jkt,
      });
    }
    const dpop = config.dpop as ResolvedDpop;
    const ttl = dpop.iatWindow + dpop.iatLeeway;
    return rememberProof(config.replayStore, verified.issuer, proof, ttl).then(() =>
      checkCertificateBinding(bound, request, config.mtls),
    );
  }
  if (jkt !== undefined) throw new InvalidTokenError('dpop.bound_token_as_bearer');
  checkCertificateBinding(bound, request, config.mtls);
  return undefined;
}
