import { tokenGuard } from './plugin.js';

export { sendAuthError } from './errors.js';
export { tokenGuard };
export default tokenGuard;

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type {
  AuthClaims,
  AuthHook,
  MisspelledConfigKey,
  RouteRequirements,
  TokenGuardPluginOptions,
} from './types.js';
