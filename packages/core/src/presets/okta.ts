import type { TokenGuardOptions } from '../options.js';
import { baseUrl, presetArgument, presetFail, withExtras } from './common.js';

/** Options of {@link okta}: the org, the custom authorization server and this API. */
export interface OktaPresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience'> {
  /** The Okta domain: `acme.okta.com`, or a custom domain. */
  domain: string;
  /** The custom authorization server's id (Security → API → Authorization Servers). Default `default`. */
  authorizationServerId?: string;
  /** The authorization server's Audience: tokens' `aud` (`api://default` for the default server). */
  audience: string | readonly string[];
}

/**
 * Guard options for access tokens from an Okta custom authorization server: issuer
 * `https://<domain>/oauth2/<authorizationServerId>`, keys discovered from its metadata, RS256,
 * scopes from `scp` (an array), the client id from `cid` (introspection answers say
 * `client_id`).
 *
 * It does NOT accept tokens of the org authorization server (`https://<domain>` without
 * `/oauth2/…`): Okta issues those for its own APIs, not yours.
 *
 * @example
 * ```ts
 * createTokenGuard(presets.okta({ domain: 'acme.okta.com', audience: 'api://default' }));
 * ```
 * @see https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/
 */
export function okta(options: OktaPresetOptions): TokenGuardOptions {
  const {
    domain,
    authorizationServerId = 'default',
    audience,
    ...extras
  } = presetArgument('okta', options);
  if (
    typeof authorizationServerId !== 'string' ||
    !/^[A-Za-z0-9_-]+$/.test(authorizationServerId)
  ) {
    presetFail(
      'okta',
      '"authorizationServerId" must be an authorization server id such as "default"',
    );
  }
  return withExtras(
    'okta',
    {
      issuer: `${baseUrl('okta', 'domain', domain)}/oauth2/${authorizationServerId}`,
      audience,
      algorithms: ['RS256'],
      clientIdClaim: ['cid', 'client_id'],
    },
    extras,
  );
}
