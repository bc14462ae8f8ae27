import { type JsonObject, own } from '../lib/json.js';

const EMPTY: ReadonlySet<string> = new Set();

/**
 * The token's scopes: `scope` (a space-delimited string, RFC 9068 §2.2.3 / RFC 7662) when
 * present, else `scp` (a string or an array of strings, as Entra ID and Okta issue it). Scopes
 * are matched token by token, never by substring. Returns `undefined` when the claim is present
 * but malformed, which makes the token invalid rather than silently scope-less.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3
 */
export function parseScopes(claims: JsonObject): ReadonlySet<string> | undefined {
  const scope = own(claims, 'scope');
  if (scope !== undefined) {
    if (typeof scope !== 'string') return undefined;
    return splitScopes(scope);
  }
  const scp = own(claims, 'scp');
  if (scp === undefined) return EMPTY;
  if (typeof scp === 'string') return splitScopes(scp);
  if (Array.isArray(scp) && scp.every((s) => typeof s === 'string')) {
    return new Set(scp.filter((s) => s.length > 0));
  }
  return undefined;
}

function splitScopes(value: string): ReadonlySet<string> {
  if (value.length === 0) return EMPTY;
  const set = new Set<string>();
  for (const part of value.split(' ')) if (part.length > 0) set.add(part);
  return set;
}

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value);
}
