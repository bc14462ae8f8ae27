import type { TokenGuardOptions } from '../options.js';
import { baseUrl, presetArgument, withExtras } from './common.js';

/** Options of {@link auth0}: the tenant and this API, plus any further guard option. */
export interface Auth0PresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience'> {
  /** The tenant's domain or custom domain: `acme.eu.auth0.com`, `login.example.com`. */
  domain: string;
  /** The API's Identifier in the Auth0 dashboard (Applications → APIs): tokens' `aud`. */
  audience: string | readonly string[];
}

/**
 * Guard options for access tokens from an Auth0 tenant: issuer `https://<domain>/` (with the
 * trailing slash Auth0 writes), keys discovered from its metadata, `typ: JWT` accepted beside
 * `at+jwt` (Auth0's default token profile writes `JWT`, its RFC 9068 profile `at+jwt`), RS256,
 * the client id from `client_id` or `azp`, and the RBAC `permissions` claim mapped into
 * `auth.scopes` as `permission:<name>` — a permission the user holds is not a scope the client
 * was granted, so the two never pass for each other.
 *
 * It does NOT accept ID tokens (their `aud` is a client id) nor tokens for the Management API.
 *
 * @example
 * ```ts
 * createTokenGuard(presets.auth0({ domain: 'acme.eu.auth0.com', audience: 'https://orders.example.com' }));
 * ```
 * @see https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
 */
export function auth0(options: Auth0PresetOptions): TokenGuardOptions {
  const { domain, audience, ...extras } = presetArgument('auth0', options);
  return withExtras(
    'auth0',
    {
      issuer: `${baseUrl('auth0', 'domain', domain)}/`,
      audience,
      algorithms: ['RS256', 'PS256'],
      tokenTypes: ['JWT'],
      scopeClaims: [{ claim: 'permissions', prefix: 'permission:' }],
    },
    extras,
  );
}
