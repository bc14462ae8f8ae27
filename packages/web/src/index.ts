export { protectedResourceMetadata } from './metadata.js';
export { webRequestView } from './request.js';
export { optionalToken, requireToken, withToken } from './require-token.js';
export { applyResponseHeaders, authErrorResponse } from './respond.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type { MetadataHandler } from './metadata.js';
export type { RequestContext } from './request.js';
export type {
  AuthClaims,
  Authenticator,
  GuardOptions,
  OptionalAuthenticator,
  RouteRequirements,
} from './types.js';
