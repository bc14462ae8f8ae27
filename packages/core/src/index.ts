export type { ClaimPrimitive, ClaimRule, ClaimRules } from './authorize/claims.js';
export type { AuthRequirements } from './authorize/requirements.js';
export {
  checkRequirementKeys,
  composeRequirements,
  REQUIREMENT_KEYS,
} from './authorize/requirements.js';
export type { ChallengeConfig } from './challenge.js';
export { buildChallenge, quote } from './challenge.js';
export type { AccessTokenClaims, AuthContext, TokenGuard } from './create-token-guard.js';
export { createTokenGuard, isTokenGuard, validateRequirements } from './create-token-guard.js';
export type {
  AuthenticatedEvent,
  IntrospectionEvent,
  JwksEvent,
  RejectedEvent,
  StoreEvent,
} from './diagnostics.js';
export { channels } from './diagnostics.js';
export { optionsFromEnv } from './env.js';
export type { AuthErrorCode, AuthErrorResponse } from './errors.js';
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
export type { JwsAlgorithm } from './jwt/algorithms.js';
export { ASYMMETRIC_ALGORITHMS } from './jwt/algorithms.js';
export type { FetchLike } from './lib/http-client.js';
export type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './metadata.js';
export { resourceMetadataUrl } from './metadata.js';
export type {
  IssuerOptions,
  JwksOptions,
  TokenGuardOptions,
  TokenLocation,
  VerifiedTokenCacheOptions,
} from './options.js';
export type { RequestUrlParts } from './public-url.js';
export { isValidHost } from './public-url.js';
export type { ClientCertificate, RequestHeaders, TokenRequest } from './request.js';
export { mergeResponseHeader } from './response-headers.js';
export type { MemoryStoreOptions, Store } from './store.js';
export { createMemoryStore, StoreFullError } from './store.js';
