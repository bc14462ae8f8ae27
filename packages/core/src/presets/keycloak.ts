import type { TokenGuardOptions } from '../options.js';
import { baseUrl, presetArgument, presetFail, requiredString, withExtras } from './common.js';

/** Options of {@link keycloak}: the server, the realm and this API. */
export interface KeycloakPresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience'> {
  /** The server's base URL, with `/auth` for Keycloak 16 and older: `https://sso.example.com`. */
  url: string;
  /** The realm's name. */
  realm: string;
  /**
   * Tokens' `aud`. Keycloak puts a client there only with an Audience mapper (or a client scope
   * that has one): without it, `aud` is `account` or absent.
   */
  audience: string | readonly string[];
  /** The API's own client id in the realm: its client roles are mapped as `role:<name>`. */
  clientId?: string;
}

/**
 * Guard options for access tokens from a Keycloak realm: issuer `<url>/realms/<realm>`, keys
 * discovered from its metadata, `typ: JWT` in the header, the payload's `typ` `Bearer` (or
 * `DPoP` for a DPoP-bound token; ID and refresh tokens say `ID` and `Refresh`), realm roles
 * (`realm_access.roles`) as `realm:<role>` and, with `clientId`, that client's roles
 * (`resource_access.<clientId>.roles`) as `role:<role>`; the client id from `client_id` or
 * `azp`.
 *
 * It does NOT accept tokens whose `aud` is only `account` (add an Audience mapper), nor other
 * clients' roles.
 *
 * @example
 * ```ts
 * createTokenGuard(presets.keycloak({ url: 'https://sso.example.com', realm: 'acme', audience: 'orders-api', clientId: 'orders-api' }));
 * ```
 * @see https://www.keycloak.org/docs/latest/server_admin/#_oidc_token_role_mappings
 */
export function keycloak(options: KeycloakPresetOptions): TokenGuardOptions {
  const { url, realm, audience, clientId, ...extras } = presetArgument('keycloak', options);
  const realmName = requiredString('keycloak', 'realm', realm);
  if (realmName.includes('/')) presetFail('keycloak', '"realm" must be a realm name, not a path');
  if (clientId !== undefined) requiredString('keycloak', 'clientId', clientId);
  return withExtras(
    'keycloak',
    {
      issuer: `${baseUrl('keycloak', 'url', url, true)}/realms/${encodeURIComponent(realmName)}`,
      audience,
      tokenTypes: ['JWT'],
      claims: { typ: { oneOf: ['Bearer', 'DPoP'] } },
      scopeClaims: [
        { claim: ['realm_access', 'roles'], prefix: 'realm:' },
        ...(clientId === undefined
          ? []
          : [{ claim: ['resource_access', clientId, 'roles'], prefix: 'role:' }]),
      ],
    },
    extras,
  );
}
