export { authErrorHandler } from './error-handler.js';
export { protectedResourceMetadata } from './metadata.js';
export { requireAnyScope, requireClaims, requireScopes } from './require-scopes.js';
export { optionalToken, requireToken } from './require-token.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type { AuthClaims, AuthMiddleware, GuardOptions, RouteRequirements } from './types.js';
