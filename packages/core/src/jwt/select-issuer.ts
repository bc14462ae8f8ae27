import { InvalidTokenError, withDetails } from '../errors.js';
import { excerpt, listed } from '../lib/excerpt.js';
import { type JsonObject, own } from '../lib/json.js';
import { selectTrustDomain } from '../spiffe/verify-svid.js';
import { checkTenant, matchesTemplate } from './issuer-template.js';
import type { JwtConfig, ResolvedIssuer } from './options.js';

/**
 * The issuer whose keys alone may verify a token, chosen before any key is touched: the trusted
 * issuer its `iss` names exactly (bound to its tenant when it came from a multi-tenant template:
 * `jwt.iss_tenant_mismatch`), else — when SPIFFE trust domains are configured and the token is no
 * OAuth issuer's (no `iss`, or a SPIFFE ID in `sub`, or no OAuth issuer configured) — the trust
 * domain of its SPIFFE ID, with `spiffeId` set. A token of a multi-tenant issuer's shape from a
 * tenant not on the list is `jwt.iss_tenant_not_allowed`; any other issuer `jwt.iss`.
 */
export function selectIssuer(
  header: JsonObject,
  payload: JsonObject,
  config: Pick<JwtConfig, 'issuers' | 'issuerTemplates' | 'spiffe'>,
): { issuer: ResolvedIssuer; spiffeId: string | undefined } {
  const iss = own(payload, 'iss');
  const issuer = typeof iss === 'string' ? config.issuers.get(iss) : undefined;
  if (issuer !== undefined) {
    if (issuer.tenant !== undefined) checkTenant(payload, issuer.tenant);
    return { issuer, spiffeId: undefined };
  }
  const spiffe = config.spiffe;
  if (spiffe !== undefined) {
    const sub = own(payload, 'sub');
    if (
      config.issuers.size === 0 ||
      iss === undefined ||
      (typeof sub === 'string' && sub.startsWith('spiffe://'))
    ) {
      const { domain, spiffeId } = selectTrustDomain(header, payload, spiffe);
      return { issuer: domain, spiffeId };
    }
  }
  const details = {
    field: 'iss',
    expected: listed(config.issuers.keys()),
    actual: excerpt(iss),
  };
  if (typeof iss !== 'string') throw withDetails(new InvalidTokenError('jwt.iss_missing'), details);
  for (const template of config.issuerTemplates) {
    if (matchesTemplate(template, iss)) {
      throw withDetails(new InvalidTokenError('jwt.iss_tenant_not_allowed'), details);
    }
  }
  throw withDetails(new InvalidTokenError('jwt.iss'), details);
}
