import type { TokenGuardOptions } from '../options.js';
import { baseUrl, presetArgument, presetFail, withExtras } from './common.js';

/** Options of {@link zitadel}: the instance and the API's project. */
export interface ZitadelPresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience'> {
  /** The instance's domain or URL: `my-instance-abc123.zitadel.cloud`, or a custom domain. */
  domain: string;
  /** The API's project id: ZITADEL puts it in `aud`, and its roles are mapped. */
  projectId: string;
  /** Tokens' `aud`. Default: `projectId`. */
  audience?: string | readonly string[];
}

/**
 * Guard options for JWT access tokens from a ZITADEL instance: issuer `https://<domain>`, keys
 * discovered from its metadata, `typ: JWT` accepted, RS256, audience the project id, the client
 * id from `client_id` or `azp`, and the project's roles
 * (`urn:zitadel:iam:org:project:<projectId>:roles`, whose member names are the roles) as
 * `role:<role>`. ZITADEL issues opaque tokens unless the app's token type is JWT: for opaque
 * ones, add `introspection` (the API's client id and secret, or its JWT profile key).
 *
 * It does NOT map `urn:zitadel:iam:org:project:roles` (the roles of the project of the client
 * that asked for the token, which may be another project than this API's): request the scope
 * `urn:zitadel:iam:org:projects:roles` to get the project-specific claim.
 *
 * @example
 * ```ts
 * createTokenGuard(presets.zitadel({ domain: 'acme-x1y2z3.zitadel.cloud', projectId: '274637598417174530' }));
 * ```
 * @see https://zitadel.com/docs/apis/openidoauth/claims
 */
export function zitadel(options: ZitadelPresetOptions): TokenGuardOptions {
  const { domain, projectId, audience, ...extras } = presetArgument('zitadel', options);
  if (typeof projectId !== 'string' || !/^[A-Za-z0-9_-]+$/.test(projectId)) {
    presetFail('zitadel', '"projectId" is required: the id of the API\'s project');
  }
  return withExtras(
    'zitadel',
    {
      issuer: baseUrl('zitadel', 'domain', domain),
      audience: audience ?? projectId,
      algorithms: ['RS256'],
      tokenTypes: ['JWT'],
      scopeClaims: [{ claim: `urn:zitadel:iam:org:project:${projectId}:roles`, prefix: 'role:' }],
    },
    extras,
  );
}
