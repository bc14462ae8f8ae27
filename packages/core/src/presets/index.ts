import { auth0 } from './auth0.js';
import { cognito } from './cognito.js';
import { entra } from './entra.js';
import { keycloak } from './keycloak.js';
import { okta } from './okta.js';
import { spiffe } from './spiffe.js';
import { zitadel } from './zitadel.js';

/**
 * Guard options for the identity providers APIs most often sit behind. Each is a plain function
 * that returns ordinary `TokenGuardOptions` (print them to see what they set), and takes any
 * further guard option beside its own parameters: `claims` and `scopeClaims` add up with the
 * preset's, `tokenTypes` are united, other options replace the preset's defaults, and the ones
 * that say whose tokens these are (`issuer`, `issuers`, `jwksUri`, `clientBinding`, `spiffe`)
 * are the preset's alone. Roles, groups and permissions land in `auth.scopes` under a prefix
 * (`role:`, `realm:`, `group:`, `permission:`), so every adapter's scope requirements check them.
 * `TOKENGUARD_PROVIDER` selects one from the environment (see `optionsFromEnv`).
 *
 * @example
 * ```ts
 * import { createTokenGuard, presets } from '@tokenguard/core';
 * const guard = createTokenGuard(presets.entra({ tenantId, audience: clientId, dpop: { mode: 'allowed' } }));
 * ```
 */
export const presets = Object.freeze({ auth0, okta, entra, keycloak, cognito, zitadel, spiffe });

/** The names of the presets, as `TOKENGUARD_PROVIDER` takes them. */
export type ProviderName = keyof typeof presets;
