import { isJsonObject } from '../lib/json.js';
import { checkUrl, fail, list } from '../lib/validate.js';
import { isTrustDomainName, parseSpiffeId, SpiffeIdAllowList } from './spiffe-id.js';

/**
 * SPIFFE JWT-SVIDs (workload identities) as access tokens: which trust domains to trust, through
 * their SPIFFE bundle endpoints, and which workloads (SPIFFE IDs) may call. `aud` is required
 * (the guard's `audience`), `iss` is not; `sub` must be a SPIFFE ID of a trusted domain that the
 * allow-list names.
 *
 * @example
 * ```ts
 * spiffe: {
 *   trustDomains: { 'prod.example.com': 'https://spire.prod.example.com:8443/bundle' },
 *   ids: ['spiffe://prod.example.com/ns/payments/sa/*'],
 * }
 * ```
 * @see https://github.com/spiffe/spiffe/blob/main/standards/JWT-SVID.md
 */
export interface SpiffeOptions {
  /**
   * Trust domain name → its bundle endpoint (https, or http on loopback), which serves the SPIFFE
   * bundle: a JWK set whose JWT-SVID keys carry `use: "jwt-svid"` (only those verify).
   */
  trustDomains: Readonly<Record<string, string>>;
  /**
   * The SPIFFE IDs allowed to call, or patterns: a segment `*` matches one segment, a last
   * segment `**` one or more (`spiffe://example.org/**` is a whole trust domain, on purpose).
   * Required: a trusted domain alone does not say which of its workloads may call.
   */
  ids: readonly string[];
}

/** The SPIFFE options, validated. */
export interface SpiffeSettings {
  /** Trust domain name → bundle endpoint. */
  readonly trustDomains: ReadonlyMap<string, string>;
  readonly allowList: SpiffeIdAllowList;
  /** The guard's `audience`: a JWT-SVID's `aud` must contain one (JWT-SVID §3.2). */
  readonly audiences: readonly string[];
}

/** The SPIFFE settings with the key source of each trust domain (an issuer per domain). */
export interface SpiffeConfig<TDomain> {
  readonly domains: ReadonlyMap<string, TDomain>;
  readonly allowList: SpiffeIdAllowList;
}

/** Validates the `spiffe` option (a `TypeError` naming the option). */
export function resolveSpiffe(
  value: unknown,
  audience: unknown,
  allowInsecure: boolean,
): SpiffeSettings | undefined {
  if (value === undefined) return undefined;
  const audiences = list(audience, 'audience');
  if (audiences.length === 0) {
    fail(
      '"audience" is required with "spiffe": JWT-SVIDs must be issued for this API (JWT-SVID §3.2)',
    );
  }
  if (!isJsonObject(value)) fail('"spiffe" must be an object { trustDomains, ids }');
  const { trustDomains, ids } = value as { trustDomains?: unknown; ids?: unknown };
  if (!isJsonObject(trustDomains) || Object.keys(trustDomains).length === 0) {
    fail('"spiffe.trustDomains" must map at least one trust domain name to its bundle endpoint');
  }
  const domains = new Map<string, string>();
  for (const [name, endpoint] of Object.entries(trustDomains as Record<string, unknown>)) {
    if (!isTrustDomainName(name)) {
      fail(
        `"spiffe.trustDomains" has an invalid trust domain name (lower-case letters, digits, ".", "-", "_"; no scheme): "${name.slice(0, 64)}"`,
      );
    }
    if (typeof endpoint !== 'string') {
      fail(`"spiffe.trustDomains.${name}" must be the bundle endpoint URL`);
    }
    checkUrl(endpoint as string, `spiffe.trustDomains.${name}`, allowInsecure);
    domains.set(name, endpoint as string);
  }
  const entries = list(ids, 'spiffe.ids').map((entry, i) => {
    const parsed = parseSpiffeId(entry, true);
    if (parsed === undefined || parsed.segments.length === 0) {
      fail(
        `"spiffe.ids[${i}]" must be a workload's SPIFFE ID, or a pattern with "*" segments and a last "**" (spiffe://<trust domain>/<path>)`,
      );
    }
    if (!domains.has(parsed.trustDomain)) {
      fail(`"spiffe.ids[${i}]" is in a trust domain that "spiffe.trustDomains" does not list`);
    }
    return parsed;
  });
  if (entries.length === 0) {
    fail('"spiffe.ids" is required: the SPIFFE IDs (or patterns) of the workloads that may call');
  }
  return { trustDomains: domains, allowList: new SpiffeIdAllowList(entries), audiences };
}
