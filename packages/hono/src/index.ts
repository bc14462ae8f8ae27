export { protectedResourceMetadata } from './metadata.js';
export { requireAnyScope, requireClaims, requireScopes } from './require-scopes.js';
export { optionalToken, tokenGuard } from './token-guard.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type {
  AuthClaims,
  GuardOptions,
  OptionalTokenEnv,
  RouteRequirements,
  TokenGuardEnv,
} from './types.js';
