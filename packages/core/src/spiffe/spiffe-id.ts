/** A SPIFFE ID, split: `spiffe://<trustDomain><path>`. */
export interface SpiffeId {
  readonly id: string;
  readonly trustDomain: string;
  /** `/`-separated segments after the trust domain; empty for a trust domain ID. */
  readonly segments: readonly string[];
}

const PREFIX = 'spiffe://';
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_ID_LENGTH = 2048;

/** The SPIFFE ID spec's trust domain name: lower-case letters, digits, `.`, `-`, `_`. */
export function isTrustDomainName(value: string): boolean {
  return TRUST_DOMAIN.test(value);
}

/**
 * Parses a SPIFFE ID by the SPIFFE ID specification (§2): the `spiffe` scheme in lower case, a
 * trust domain of lower-case letters, digits, `.`, `-` and `_` (no user info, no port, no
 * percent-encoding), and a path whose segments are letters, digits, `.`, `-` and `_`, none of
 * them empty, `.` or `..` (so no trailing `/`); no query, no fragment; at most 2048 bytes.
 * `undefined` for anything else. With `wildcards`, a segment may be `*` and the last one `**`
 * (for allow-list patterns).
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md#2-spiffe-identity
 */
export function parseSpiffeId(value: unknown, wildcards = false): SpiffeId | undefined {
  if (typeof value !== 'string' || value.length > MAX_ID_LENGTH || !value.startsWith(PREFIX)) {
    return undefined;
  }
  const rest = value.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  if (!TRUST_DOMAIN.test(trustDomain)) return undefined;
  if (slash === -1) return { id: value, trustDomain, segments: [] };
  const segments = rest.slice(slash + 1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (wildcards && (segment === '*' || (segment === '**' && i === segments.length - 1))) continue;
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') return undefined;
  }
  return { id: value, trustDomain, segments };
}

/**
 * The SPIFFE IDs a guard accepts, from a list of IDs and patterns: a segment `*` matches any one
 * segment, a last segment `**` one or more (`spiffe://example.org/ns/prod/**`). An entry names
 * its trust domain, so a pattern never reaches into another one.
 */
export class SpiffeIdAllowList {
  readonly #exact = new Set<string>();
  readonly #patterns: SpiffeId[] = [];

  constructor(entries: readonly SpiffeId[]) {
    for (const entry of entries) {
      if (entry.segments.some((s) => s === '*' || s === '**')) this.#patterns.push(entry);
      else this.#exact.add(entry.id);
    }
  }

  /** Whether a parsed SPIFFE ID is allowed. */
  allows(id: SpiffeId): boolean {
    if (this.#exact.has(id.id)) return true;
    for (const pattern of this.#patterns) {
      if (pattern.trustDomain === id.trustDomain && segmentsMatch(pattern.segments, id.segments)) {
        return true;
      }
    }
    return false;
  }
}

function segmentsMatch(pattern: readonly string[], segments: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    if (want === '**') return segments.length > i;
    const have = segments[i];
    if (have === undefined || (want !== '*' && want !== have)) return false;
  }
  return segments.length === pattern.length;
}
