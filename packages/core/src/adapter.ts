// @tokenguard/core/adapter: what an adapter needs to map its framework to core, and nothing an
// application needs. Main-entry types are imported by the package's own name, so that this
// entry's declarations refer to the main entry's instead of repeating them.
import type { AuthError } from '@tokenguard/core';
import { type ChallengeConfig, buildChallenge as challengeFor } from './challenge.js';

export { environmentGuard, requirementsArgument } from './adapter/environment-guard.js';
export { peerCertificate } from './adapter/peer-certificate.js';
export type { RequestState } from './adapter/request-state.js';
export {
  authenticateNow,
  authenticateRequest,
  authorizeRequest,
  recordUnchecked,
  requestState,
} from './adapter/request-state.js';
export type { RequestReader } from './adapter/request-view.js';
export { requestView } from './adapter/request-view.js';
export { pickRequirements, routeRequirements } from './adapter/route-requirements.js';
export { warmUpGuard } from './adapter/warm-up.js';
export { quote } from './challenge.js';
export { consoleLogger } from './logger.js';
export { resourceMetadataUrl } from './metadata.js';
export { isValidHost } from './public-url.js';
export { mergeResponseHeader } from './response-headers.js';
export type { ChallengeConfig };

/**
 * Builds the `WWW-Authenticate` value for an error: a `Bearer` challenge, plus a `DPoP` challenge
 * with `algs` when DPoP is enabled (only `DPoP` when it is required). The `error` attributes go
 * on the challenge of the scheme the client used, or on both when the request failed before its
 * scheme was known. Every value comes from configuration or from a fixed set of sentences;
 * nothing the client sent is reflected. Adapters do not need it for the errors a guard throws:
 * those carry their headers already.
 *
 * @example
 * ```ts
 * buildChallenge(new MissingTokenError(), { realm: 'api', resourceMetadata: undefined, dpopAlgs: undefined, dpopRequired: false }, undefined);
 * // 'Bearer realm="api"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export const buildChallenge: (
  error: AuthError | undefined,
  config: ChallengeConfig,
  scheme: 'Bearer' | 'DPoP' | undefined,
) => string = challengeFor;
