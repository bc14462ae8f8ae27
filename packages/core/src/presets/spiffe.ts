import type { JwsAlgorithm } from '../jws/algorithms.js';
import type { TokenGuardOptions } from '../options.js';
import type { SpiffeOptions } from '../spiffe/options.js';
import { presetArgument, withExtras } from './common.js';

/** Options of {@link spiffe}: trusted trust domains, allowed workloads and this service's audience. */
export interface SpiffePresetOptions
  extends Omit<TokenGuardOptions, 'issuer' | 'issuers' | 'jwksUri' | 'audience' | 'spiffe'> {
  /** Trust domain name → its SPIFFE bundle endpoint (`https://…`). */
  trustDomains: SpiffeOptions['trustDomains'];
  /** The SPIFFE IDs (or patterns: `*` one segment, a last `**` any) allowed to call. */
  ids: readonly string[];
  /** This service's audience: JWT-SVIDs must name it in `aud` (`spiffe://example.org/orders`, `orders`). */
  audience: string | readonly string[];
}

const SVID_ALGORITHMS: readonly JwsAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
];

/**
 * Guard options for SPIFFE JWT-SVIDs (service-to-service calls between workloads): keys of each
 * trusted trust domain from its bundle endpoint (only `use: "jwt-svid"` keys), `aud` required,
 * `iss` not, `typ` absent, `JWT` or `JOSE`, the algorithms JWT-SVID allows, and `sub` a SPIFFE
 * ID of a trusted domain on the `ids` allow-list. `auth.spiffeId` (also `subject` and
 * `principalId`) is the caller's SPIFFE ID.
 *
 * It does NOT check X.509-SVIDs (use mTLS), nor `jti` uniqueness (JWT-SVID §7.1 leaves it out).
 *
 * @example
 * ```ts
 * createTokenGuard(presets.spiffe({
 *   trustDomains: { 'prod.example.com': 'https://spire.prod.example.com:8443' },
 *   ids: ['spiffe://prod.example.com/ns/payments/sa/*'],
 *   audience: 'spiffe://prod.example.com/ns/orders/sa/api',
 * }));
 * ```
 * @see https://github.com/spiffe/spiffe/blob/main/standards/JWT-SVID.md
 */
export function spiffe(options: SpiffePresetOptions): TokenGuardOptions {
  const { trustDomains, ids, audience, ...extras } = presetArgument('spiffe', options);
  return withExtras(
    'spiffe',
    {
      spiffe: { trustDomains, ids },
      audience,
      algorithms: SVID_ALGORITHMS,
      tokenTypes: ['JWT', 'JOSE'],
    },
    extras,
  );
}
