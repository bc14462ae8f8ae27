export type { ClaimPrimitive, ClaimRule, ClaimRules } from './authorize/claims.js';
export { composeRequirements } from './authorize/compose.js';
export type { AuthRequirements } from './authorize/requirements.js';
export {
  checkRequirementKeys,
  REQUIREMENT_KEYS,
  validateRequirements,
} from './authorize/requirements.js';
export type { TokenLocation } from './bearer/options.js';
export { createTokenGuard, isTokenGuard } from './create-token-guard.js';
export type {
  AuthenticatedEvent,
  IntrospectionEvent,
  JwksEvent,
  RejectedEvent,
  StoreEvent,
  UpstreamFacts,
} from './diagnostics.js';
export { channels } from './diagnostics.js';
export type { DpopOptions } from './dpop/options.js';
export { optionsFromEnv } from './env.js';
export type {
  AuthErrorCode,
  AuthErrorResponse,
  DetailValue,
  RejectionDetails,
} from './errors.js';
export {
  AuthError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  isAuthError,
  MissingTokenError,
  ServiceUnavailableError,
  UseDpopNonceError,
} from './errors.js';
export type { ClientAuthMethod } from './introspection/client-auth.js';
export type { IntrospectionOptions } from './introspection/options.js';
export type { JwsAlgorithm } from './jws/algorithms.js';
export { ASYMMETRIC_ALGORITHMS } from './jws/algorithms.js';
export type { ScopeClaim } from './jwt/claim-mapping.js';
export type { ClientBinding } from './jwt/client-binding.js';
export type { IssuerOptions, JwksOptions } from './jwt/options.js';
export type { FetchLike } from './lib/http-client.js';
export type { TokenGuardLogger } from './logger.js';
export type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './metadata.js';
export type { MtlsOptions } from './mtls/options.js';
export type { TokenGuardOptions, WarmUpMode } from './options.js';
export type { Auth0PresetOptions } from './presets/auth0.js';
export type { CognitoPresetOptions } from './presets/cognito.js';
export type { EntraPresetOptions } from './presets/entra.js';
export type { ProviderName } from './presets/index.js';
export { presets } from './presets/index.js';
export type { KeycloakPresetOptions } from './presets/keycloak.js';
export type { OktaPresetOptions } from './presets/okta.js';
export type { SpiffePresetOptions } from './presets/spiffe.js';
export type { ZitadelPresetOptions } from './presets/zitadel.js';
export type { RequestUrlParts } from './public-url.js';
export type { ClientCertificate, RequestHeaders, RequestView, TokenRequest } from './request.js';
export type { RevocationCheck } from './revocation.js';
export type { SpiffeOptions } from './spiffe/options.js';
export type { MemoryStoreOptions, Store } from './store.js';
export { createMemoryStore, StoreFullError } from './store.js';
export type { AccessTokenClaims, AuthContext, TokenGuard } from './types.js';
export type { UpstreamEndpoint, UpstreamFailure } from './upstream-error.js';
export { UpstreamError } from './upstream-error.js';
export type { VerifiedTokenCacheOptions } from './verified-token-cache.js';
