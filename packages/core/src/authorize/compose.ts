import type { ClaimRules } from './claims.js';
import {
  type AuthRequirements,
  EMPTY_LEVEL,
  type RequirementLevel,
  readRequirements,
} from './requirements.js';

/**
 * Composes levels, outermost first, so that the result only ever adds constraints: the rule of
 * {@link composeRequirements}. Throws a `TypeError` when the step-up `acrValues` of two levels
 * have no value in common (no token could ever pass).
 */
export function mergeLevels(levels: readonly RequirementLevel[]): RequirementLevel {
  const present = levels.filter((level) => level !== EMPTY_LEVEL);
  if (present.length === 0) return EMPTY_LEVEL;
  if (present.length === 1) return present[0] as RequirementLevel;
  const scopes = new Set<string>();
  const groups = new Map<string, readonly string[]>();
  const claims = new Set<ClaimRules>();
  let acrValues: readonly string[] | undefined;
  let maxAge: number | undefined;
  let introspect: boolean | undefined;
  let optional: boolean | undefined;
  for (const level of present) {
    for (const scope of level.scopes) scopes.add(scope);
    for (const group of level.anyScopes) {
      const key = [...group].sort().join(' ');
      if (!groups.has(key)) groups.set(key, group);
    }
    for (const rules of level.claims) claims.add(rules);
    if (level.acrValues !== undefined) {
      if (acrValues === undefined) {
        acrValues = level.acrValues;
      } else {
        const next = level.acrValues;
        const common = acrValues.filter((acr) => next.includes(acr));
        if (common.length === 0) {
          throw new TypeError(
            `tokenguard: "acrValues" of the composed requirements have no value in common (${JSON.stringify(acrValues)} and ${JSON.stringify(next)}): no token could pass`,
          );
        }
        acrValues = Object.freeze(common);
      }
    }
    if (level.maxAge !== undefined) {
      maxAge = maxAge === undefined ? level.maxAge : Math.min(maxAge, level.maxAge);
    }
    if (level.introspect !== undefined) introspect = introspect === true || level.introspect;
    if (level.optional !== undefined) optional = optional !== false && level.optional;
  }
  return Object.freeze({
    scopes: Object.freeze([...scopes]),
    anyScopes: Object.freeze([...groups.values()]),
    claims: Object.freeze([...claims]),
    acrValues,
    maxAge,
    introspect,
    optional,
  });
}

/** A level as plain, frozen `AuthRequirements`, with only the keys that say something. */
function toRequirements(level: RequirementLevel): AuthRequirements {
  const out: { -readonly [K in keyof AuthRequirements]: AuthRequirements[K] } = {};
  if (level.scopes.length > 0) out.scopes = level.scopes;
  if (level.anyScopes.length > 0) out.anyScopes = level.anyScopes;
  if (level.claims.length > 0) out.claims = level.claims;
  if (level.acrValues !== undefined) out.acrValues = level.acrValues;
  if (level.maxAge !== undefined) out.maxAge = level.maxAge;
  if (level.introspect === true) out.introspect = true;
  if (level.optional !== undefined) out.optional = level.optional;
  return Object.freeze(out);
}

/**
 * Composes requirement sets declared at several levels, outermost first (guard or module →
 * controller → route → hook), into one set that a token meets exactly when it meets every one of
 * them. Composing only ever adds constraints:
 *
 * - `scopes`: the union; every one is required.
 * - `anyScopes`: each list stays its own "at least one of" group; a 403 names the group that
 *   failed, outermost first.
 * - `claims`: every rule of every level holds, two rules for the same claim included.
 * - `acrValues`: the token's `acr` must be in every level's list, that is in their common values
 *   (lists with none in common are a `TypeError`: no token could pass).
 * - `maxAge`: the smallest (the strictest) wins.
 * - `introspect`: required when any level asks for it.
 * - `optional`: anonymous requests pass only if some level says `optional: true` and no level
 *   says `optional: false`. A level that says nothing has no opinion; an explicit `false`
 *   (a `requireToken()` hook, say) can never be undone by another level.
 *
 * Each set is validated first (a `TypeError` for an unknown key, naming the closest valid one, or
 * a malformed value). The result is a frozen `AuthRequirements` that `authenticate()`,
 * `authorize()` and `composeRequirements()` itself accept. It does NOT check anything against a
 * guard's configuration (`introspect` needs the `introspection` option): pass the result to
 * `guard.checkRequirements()` for that.
 *
 * @example
 * ```ts
 * const route = composeRequirements(
 *   { claims: { tenant: { equals: 'acme' } }, anyScopes: ['api:read', 'api:admin'] }, // controller
 *   { claims: { role: { equals: 'admin' } }, anyScopes: ['orders:read', 'orders:admin'] }, // handler
 * );
 * // tenant acme AND role admin AND (api:read OR api:admin) AND (orders:read OR orders:admin)
 * await guard.authenticate(request, route);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function composeRequirements(
  ...sets: ReadonlyArray<AuthRequirements | undefined>
): AuthRequirements {
  return toRequirements(
    mergeLevels(sets.map((set, i) => readRequirements(set, `requirements[${i}]`))),
  );
}
