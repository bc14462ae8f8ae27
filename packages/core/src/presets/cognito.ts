import type { TokenGuardOptions } from '../options.js';
import { baseUrl, presetArgument, presetFail, requiredString, withExtras } from './common.js';

/** Options of {@link cognito}: the user pool and the app clients whose tokens the API accepts. */
export interface CognitoPresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience' | 'clientBinding'> {
  /** The user pool id: `us-east-1_AbCdEf123`. */
  userPoolId: string;
  /** The app client ids whose access tokens this API accepts (Cognito's tokens carry no `aud`). */
  clientIds: readonly string[];
  /** The pool's region. Default: the region the pool id starts with. */
  region?: string;
  /** Another endpoint than `https://cognito-idp.<region>.amazonaws.com` (a local emulator). */
  endpoint?: string;
}

/**
 * Guard options for access tokens from an Amazon Cognito user pool: issuer
 * `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`, keys discovered from its metadata,
 * RS256. Cognito's access tokens carry no `aud`, so they are bound to this API another way: the
 * client binding requires `client_id` to be one of `clientIds` and `token_use` to be `access`
 * (an ID token says `id`). Groups (`cognito:groups`) are mapped as `group:<name>`.
 *
 * It does NOT accept ID tokens (they carry `aud`, and this guard has no audience: `jwt.aud`),
 * nor any client not listed (`jwt.aud_binding.client_id`).
 *
 * @example
 * ```ts
 * createTokenGuard(presets.cognito({ userPoolId: 'us-east-1_AbCdEf123', clientIds: ['4bpqi8dv1ovqk2v4fsmo2nbhs1'] }));
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 */
export function cognito(options: CognitoPresetOptions): TokenGuardOptions {
  const { userPoolId, clientIds, region, endpoint, ...extras } = presetArgument('cognito', options);
  const pool = requiredString('cognito', 'userPoolId', userPoolId);
  const match = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/.exec(pool);
  if (match === null) {
    presetFail('cognito', '"userPoolId" must be a user pool id such as us-east-1_AbCdEf123');
  }
  const poolRegion = (match as RegExpExecArray)[1] as string;
  if (region !== undefined && region !== poolRegion) {
    presetFail('cognito', `"region" must be the region the user pool id names (${poolRegion})`);
  }
  if (!Array.isArray(clientIds) || clientIds.length === 0) {
    presetFail('cognito', '"clientIds" is required: the app client ids whose tokens are accepted');
  }
  const base =
    endpoint === undefined
      ? `https://cognito-idp.${poolRegion}.amazonaws.com`
      : baseUrl('cognito', 'endpoint', endpoint);
  return withExtras(
    'cognito',
    {
      issuer: `${base}/${pool}`,
      clientBinding: { clientIds, claims: { token_use: 'access' } },
      clientIdClaim: 'client_id',
      algorithms: ['RS256'],
      scopeClaims: [{ claim: 'cognito:groups', prefix: 'group:' }],
    },
    extras,
  );
}
