import type { TokenGuardOptions } from '../options.js';
import { baseUrl, GUID, presetArgument, presetFail, withExtras } from './common.js';

/** Options of {@link entra}: the tenant (or the allowed tenants), this API and the token version. */
export interface EntraPresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience'> {
  /** A single-tenant API: the Directory (tenant) ID, a GUID. */
  tenantId?: string;
  /**
   * A multi-tenant API: the Directory (tenant) IDs whose tokens are accepted. Each token's `iss`
   * must be the issuer of its `tid`, and `tid` one of these. There is no "any tenant".
   */
  tenants?: readonly string[];
  /**
   * Tokens' `aud`: for v2.0 tokens the API's Application (client) ID; for v1.0 tokens its
   * Application ID URI (`api://…`) or the client ID, whichever the client asked for.
   */
  audience: string | readonly string[];
  /** The access token version the API's manifest sets (`accessTokenAcceptedVersion`). Default 2. */
  version?: 1 | 2;
  /** The cloud's login host, for national clouds. Default `https://login.microsoftonline.com`. */
  instance?: string;
  /** The host of v1.0 tokens' issuer. Default `https://sts.windows.net`. */
  v1IssuerHost?: string;
}

/**
 * Guard options for access tokens from Microsoft Entra ID (v1.0 or v2.0, single- or
 * multi-tenant): issuer `https://login.microsoftonline.com/<tenant>/v2.0` (v2.0) or
 * `https://sts.windows.net/<tenant>/` (v1.0); keys from the tenant's (or, multi-tenant, the
 * common) key set; `typ: JWT`; RS256; scopes from `scp` (delegated permissions) and app roles
 * from `roles` as `role:<value>` (application permissions and assigned roles); the client id from
 * `azp` (v2.0) or `appid` (v1.0). A multi-tenant API names its tenants: the issuer template
 * `…/{tenantid}/…` expands to one issuer per tenant, and each token's `tid` must match its `iss`.
 *
 * It does NOT accept tokens issued for Microsoft Graph or other Microsoft APIs (they are not
 * meant to be validated by you), nor a v1.0 token where v2.0 is configured (`jwt.iss`).
 *
 * @example
 * ```ts
 * presets.entra({ tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', audience: '6e74172b-be56-4843-9ff4-e66a39bb12e3' });
 * presets.entra({ tenants: ['72f988bf-…', 'f8cdef31-…'], audience: '6e74172b-…' });
 * ```
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
 */
export function entra(options: EntraPresetOptions): TokenGuardOptions {
  const {
    tenantId,
    tenants,
    audience,
    version = 2,
    instance = 'https://login.microsoftonline.com',
    v1IssuerHost = 'https://sts.windows.net',
    ...extras
  } = presetArgument('entra', options);
  if (version !== 1 && version !== 2) presetFail('entra', '"version" must be 1 or 2');
  const login = baseUrl('entra', 'instance', instance);
  const issuerBase = version === 2 ? login : baseUrl('entra', 'v1IssuerHost', v1IssuerHost);
  const issuerOf = (tenant: string) =>
    version === 2 ? `${issuerBase}/${tenant}/v2.0` : `${issuerBase}/${tenant}/`;
  const keys = (tenant: string) =>
    version === 2 ? `${login}/${tenant}/discovery/v2.0/keys` : `${login}/${tenant}/discovery/keys`;
  if (version === 2) {
    for (const aud of typeof audience === 'string' ? [audience] : (audience ?? [])) {
      if (typeof aud === 'string' && aud.startsWith('api://')) {
        presetFail(
          'entra',
          '"audience" of v2.0 tokens is the API\'s Application (client) ID, a GUID: their aud never carries the Application ID URI (api://…); or set "version: 1"',
        );
      }
    }
  }
  const common: TokenGuardOptions = {
    audience,
    algorithms: ['RS256'],
    tokenTypes: ['JWT'],
    clientIdClaim: version === 2 ? ['azp'] : ['appid'],
    scopeClaims: [{ claim: 'roles', prefix: 'role:' }],
  };
  if (tenants !== undefined) {
    if (tenantId !== undefined) presetFail('entra', 'give "tenantId" or "tenants", not both');
    if (!Array.isArray(tenants) || tenants.length === 0 || !tenants.every((t) => GUID.test(t))) {
      presetFail('entra', '"tenants" must be a non-empty list of Directory (tenant) IDs (GUIDs)');
    }
    return withExtras(
      'entra',
      {
        ...common,
        issuers: [{ issuer: issuerOf('{tenantid}'), jwksUri: keys('common'), tenants }],
      },
      extras,
    );
  }
  if (typeof tenantId !== 'string' || !GUID.test(tenantId)) {
    presetFail(
      'entra',
      ['common', 'organizations', 'consumers'].includes(tenantId as string)
        ? `"tenantId" is '${tenantId}', which would trust every tenant; list the allowed ones in "tenants" instead`
        : '"tenantId" must be the Directory (tenant) ID, a GUID (tokens\' iss and tid carry it, not the domain name)',
    );
  }
  return withExtras(
    'entra',
    { ...common, issuer: issuerOf(tenantId as string), jwksUri: keys(tenantId as string) },
    extras,
  );
}
