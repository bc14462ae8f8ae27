import { isScopeToken, parseScopes, scopeSetOf } from '../authorize/scopes.js';
import { InvalidTokenError } from '../errors.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';
import { fail, list } from '../lib/validate.js';

/**
 * A claim whose values count as scopes too, under a prefix: Entra ID's `roles`, Keycloak's
 * `realm_access.roles`, Auth0's `permissions`, Cognito's `cognito:groups`. Scope requirements
 * then check roles in every adapter: `requireScopes('role:admin')`, `@Scopes('role:admin')`.
 *
 * @example
 * ```ts
 * scopeClaims: [
 *   { claim: ['realm_access', 'roles'], prefix: 'realm:' },
 *   { claim: 'roles', prefix: 'role:' },
 * ]
 * ```
 */
export interface ScopeClaim {
  /** A claim name, or the path to a nested member: `['resource_access', 'orders-api', 'roles']`. */
  claim: string | readonly string[];
  /**
   * Put before every value, so that a role never passes for a scope of the same name
   * (`'role:'` makes role `admin` the scope `role:admin`). `''` mixes the two on purpose.
   */
  prefix: string;
}

/** Where a token's client id and scopes are read from, validated. */
export interface ClaimMapping {
  /** The claims the client id is read from, in order; the first present one counts. */
  readonly clientIdClaims: readonly string[];
  readonly scopeClaims: readonly { readonly path: readonly string[]; readonly prefix: string }[];
}

/** The default: `client_id` (RFC 9068), else `azp` (OpenID Connect); scopes from `scope`/`scp`. */
export const DEFAULT_CLAIM_MAPPING: ClaimMapping = Object.freeze({
  clientIdClaims: Object.freeze(['client_id', 'azp']),
  scopeClaims: Object.freeze([]),
});

/**
 * Validates `clientIdClaim` and `scopeClaims` (a `TypeError` naming the option for a mistake).
 */
export function resolveClaimMapping(options: {
  clientIdClaim?: string | readonly string[];
  scopeClaims?: readonly ScopeClaim[];
}): ClaimMapping {
  const { clientIdClaim, scopeClaims } = options;
  if (clientIdClaim === undefined && scopeClaims === undefined) return DEFAULT_CLAIM_MAPPING;
  const clientIdClaims =
    clientIdClaim === undefined
      ? DEFAULT_CLAIM_MAPPING.clientIdClaims
      : Object.freeze(list(clientIdClaim, 'clientIdClaim'));
  if (clientIdClaims.length === 0) fail('"clientIdClaim" must name at least one claim');
  if (scopeClaims !== undefined && !Array.isArray(scopeClaims)) {
    fail('"scopeClaims" must be an array of { claim, prefix }');
  }
  const sources = (scopeClaims ?? []).map((source: unknown, i) => {
    const name = `scopeClaims[${i}]`;
    if (!isJsonObject(source)) fail(`"${name}" must be an object { claim, prefix }`);
    const { claim, prefix } = source as { claim?: unknown; prefix?: unknown };
    const path = typeof claim === 'string' ? [claim] : claim;
    if (
      !Array.isArray(path) ||
      path.length === 0 ||
      !path.every((member) => typeof member === 'string' && member.length > 0)
    ) {
      fail(`"${name}.claim" must be a claim name or a non-empty array of member names`);
    }
    if (typeof prefix !== 'string' || (prefix !== '' && !isScopeToken(prefix))) {
      fail(
        `"${name}.prefix" is required: a string without spaces or quotes, e.g. "role:" ('' mixes roles with scopes on purpose)`,
      );
    }
    return Object.freeze({
      path: Object.freeze([...(path as string[])]),
      prefix: prefix as string,
    });
  });
  return Object.freeze({ clientIdClaims, scopeClaims: Object.freeze(sources) });
}

/** The client id: the first of the mapping's claims that is present, which must be a string. */
export function readClientId(claims: JsonObject, mapping: ClaimMapping): string | undefined {
  for (const name of mapping.clientIdClaims) {
    const value = own(claims, name);
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new InvalidTokenError('jwt.client_id_malformed');
    return value;
  }
  return undefined;
}

function valueAt(claims: JsonObject, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const member of path) {
    if (!isJsonObject(value)) return undefined;
    value = own(value, member);
  }
  return value;
}

/**
 * The token's scopes: `scope` (else `scp`), plus each scope claim's values under its prefix. A
 * scope claim may be a space-delimited string, an array of strings, or an object whose member
 * names are the values (ZITADEL's roles); anything else makes the token invalid, as a malformed
 * `scope` does. Values that cannot be a scope (spaces, quotes, non-ASCII) are left out: no
 * requirement can name them.
 */
export function readScopes(claims: JsonObject, mapping: ClaimMapping): ReadonlySet<string> {
  const base = parseScopes(claims);
  if (base === undefined) throw new InvalidTokenError('jwt.scope_malformed');
  if (mapping.scopeClaims.length === 0) return base;
  const extra: string[] = [];
  for (const { path, prefix } of mapping.scopeClaims) {
    const value = valueAt(claims, path);
    if (value === undefined) continue;
    let values: readonly unknown[];
    if (typeof value === 'string') values = value.split(' ');
    else if (Array.isArray(value)) values = value;
    else if (isJsonObject(value)) values = Object.keys(value);
    else throw new InvalidTokenError('jwt.scope_claim_malformed');
    for (const item of values) {
      if (typeof item !== 'string') throw new InvalidTokenError('jwt.scope_claim_malformed');
      const scope = prefix + item;
      if (item.length > 0 && isScopeToken(scope)) extra.push(scope);
    }
  }
  return extra.length === 0 ? base : scopeSetOf([...base, ...extra]);
}
