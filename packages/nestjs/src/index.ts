export { AuthError, isAuthError } from '@tokenguard/core';
export { Auth } from './auth.decorator.js';
export { Claims } from './claims.decorator.js';
export { TOKEN_GUARD } from './constants.js';
export { OptionalAuth, Public } from './public.decorator.js';
export { AnyScopes, Scopes } from './scopes.decorator.js';
export { TokenGuard } from './token-guard.guard.js';
export { TokenGuardModule } from './token-guard.module.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type {
  AccessTokenClaims,
  AuthContext,
  AuthRequirements,
  ClaimRule,
  ClaimRules,
  ProtectedResourceMetadataOptions,
  TokenGuard as CoreTokenGuard,
  TokenGuardOptions,
} from '@tokenguard/core';
export type {
  TokenGuardModuleAsyncOptions,
  TokenGuardModuleExtras,
  TokenGuardModuleOptions,
  TokenGuardOptionsFactory,
} from './token-guard.module-definition.js';
