export { authErrorHandler } from './error-handler.js';
export { protectedResourceMetadata } from './metadata.js';
export { requireAnyScope, requireClaims, requireScopes } from './require-scopes.js';
export { optionalToken, requireToken } from './require-token.js';
export { warmUp } from './warm-up.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type {
  AuthClaims,
  AuthMiddleware,
  ExpressOptions,
  GuardOptions,
  RouteRequirements,
} from './types.js';
