import { isJsonObject } from '../lib/json.js';
import { closestName } from '../lib/validate.js';
import { type ClaimRules, compileClaimRules } from './claims.js';
import { isScopeToken } from './scopes.js';

/**
 * What a route requires of an authenticated request, on top of the guard's own checks. Several
 * sets (guard, controller, route, hook) combine with {@link composeRequirements}, which only ever
 * adds constraints.
 *
 * @example
 * ```ts
 * await guard.authenticate(request, { scopes: ['orders:write'], claims: { tenant: { equals: 'acme' } } });
 * ```
 */
export interface AuthRequirements {
  /** Every one of these scopes is required. A missing one → 403 `insufficient_scope`. */
  scopes?: readonly string[];
  /**
   * At least one of these scopes is required. A list of lists is several such groups, each of
   * which must be met (what composing two sets makes); an empty list requires nothing.
   */
  anyScopes?: readonly string[] | readonly (readonly string[])[];
  /**
   * Claim rules; a failing one → 403 `insufficient_scope` (authorization, not validity). A list
   * of rule objects must all hold, so two rules for the same claim can both apply.
   */
  claims?: ClaimRules | readonly ClaimRules[];
  /** Step-up (RFC 9470): the token's `acr` must be one of these. An empty list requires nothing. */
  acrValues?: readonly string[];
  /** Step-up (RFC 9470): the user must have authenticated (`auth_time`) at most this many seconds ago. */
  maxAge?: number;
  /** Introspect this token even when it is a locally verified JWT (revocation-sensitive routes). */
  introspect?: boolean;
  /**
   * `true`: let requests without credentials through as anonymous (bad credentials are still
   * rejected). `false`: a token is required, whatever another set says. Unset: no opinion.
   */
  optional?: boolean;
}

/**
 * The keys of {@link AuthRequirements}, in the order sets are usually written. Adapters check a
 * route's options against this list (through {@link checkRequirementKeys}) instead of keeping
 * their own copy.
 */
export const REQUIREMENT_KEYS = Object.freeze([
  'scopes',
  'anyScopes',
  'claims',
  'acrValues',
  'maxAge',
  'introspect',
  'optional',
] as const satisfies ReadonlyArray<keyof AuthRequirements>);

/** Other words for a requirement key that people write (folded: lower case, no `-` or `_`). */
const ALIASES: Readonly<Record<string, string>> = {
  scp: 'scopes',
  acr: 'acrValues',
  maxtokenage: 'maxAge',
  anonymous: 'optional',
};

/**
 * Refuses keys that are not requirement keys, with a `TypeError` naming the key and the closest
 * valid one: `tokenguard: unknown requirement "route GET /orders.scope"; did you mean "scopes"?`.
 * A typo must never drop a requirement silently. Every adapter calls it where routes declare
 * requirements, so the message is the same everywhere.
 *
 * - `known`: further keys that belong to the caller at the same place (Fastify's `public`).
 * - `loose`: the object also holds keys of other owners (a Fastify route's `config`); only keys
 *   close to a requirement key (or to a `known` one) are refused, any other key is left alone.
 * - `hint`: appended when an unknown key is close to nothing.
 *
 * It checks key names only; {@link validateRequirements} checks values.
 *
 * @example
 * ```ts
 * checkRequirementKeys({ scope: ['orders:write'] }, 'requireToken()');
 * // TypeError: tokenguard: unknown requirement "requireToken().scope"; did you mean "scopes"?
 * ```
 */
export function checkRequirementKeys(
  value: object,
  name: string,
  options: { known?: readonly string[]; loose?: boolean; hint?: string } = {},
): void {
  const valid: readonly string[] =
    options.known === undefined ? REQUIREMENT_KEYS : [...REQUIREMENT_KEYS, ...options.known];
  for (const key of Object.keys(value)) {
    if (valid.includes(key)) continue;
    const closest = closestName(key, valid, ALIASES);
    if (closest === undefined && options.loose) continue;
    const advice =
      closest !== undefined
        ? `; did you mean "${closest}"?`
        : options.hint !== undefined
          ? `; ${options.hint}`
          : `; requirements are ${valid.map((k) => `"${k}"`).join(', ')}`;
    throw new TypeError(`tokenguard: unknown requirement "${name}.${key}"${advice}`);
  }
}

/** One requirement set, validated and normalised: what composing works on. */
export interface RequirementLevel {
  readonly scopes: readonly string[];
  readonly anyScopes: readonly (readonly string[])[];
  readonly claims: readonly ClaimRules[];
  /** `undefined`: no constraint. */
  readonly acrValues: readonly string[] | undefined;
  readonly maxAge: number | undefined;
  readonly introspect: boolean | undefined;
  readonly optional: boolean | undefined;
}

export const EMPTY_LEVEL: RequirementLevel = Object.freeze({
  scopes: Object.freeze([]),
  anyScopes: Object.freeze([]),
  claims: Object.freeze([]),
  acrValues: undefined,
  maxAge: undefined,
  introspect: undefined,
  optional: undefined,
});

function scopeList(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isScopeToken)) {
    throw new TypeError(
      `tokenguard: "${name}" must be an array of scope strings (no spaces or quotes)`,
    );
  }
  return Object.freeze([...new Set(value as string[])]);
}

function scopeGroups(value: unknown, name: string): readonly (readonly string[])[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.length > 0 && value.every(Array.isArray)) {
    return Object.freeze(
      value.map((group: unknown[], i) => {
        if (group.length === 0) {
          throw new TypeError(`tokenguard: "${name}[${i}]" must not be empty`);
        }
        return scopeList(group, `${name}[${i}]`);
      }),
    );
  }
  const group = scopeList(value, name);
  return group.length === 0 ? [] : Object.freeze([group]);
}

function claimRuleSets(value: unknown, name: string): readonly ClaimRules[] {
  if (value === undefined) return [];
  const sets = Array.isArray(value) ? value : [value];
  return Object.freeze(
    sets.map((rules: unknown, i) => {
      const where = Array.isArray(value) ? `${name}[${i}]` : name;
      // Validated now, so that a mistake is a TypeError where the set is declared.
      compileClaimRules(rules, where);
      // Kept by identity, so that composing a composed set again does not repeat its rules.
      return Object.isFrozen(rules)
        ? (rules as ClaimRules)
        : Object.freeze({ ...(rules as ClaimRules) });
    }),
  );
}

/**
 * Validates one requirement set (a `TypeError` naming `name` and the option for any mistake) and
 * normalises it.
 */
export function readRequirements(input: unknown, name: string): RequirementLevel {
  if (input === undefined) return EMPTY_LEVEL;
  if (!isJsonObject(input)) {
    throw new TypeError(`tokenguard: "${name}" must be an object`);
  }
  // A typo (`scope` for `scopes`) must not silently drop a requirement.
  checkRequirementKeys(input, name);
  const req = input as AuthRequirements;
  const acr = scopeList(req.acrValues, `${name}.acrValues`);
  if (
    req.maxAge !== undefined &&
    (typeof req.maxAge !== 'number' || !Number.isFinite(req.maxAge) || req.maxAge < 0)
  ) {
    throw new TypeError(`tokenguard: "${name}.maxAge" must be a number of seconds >= 0`);
  }
  for (const flag of ['introspect', 'optional'] as const) {
    if (req[flag] !== undefined && typeof req[flag] !== 'boolean') {
      throw new TypeError(`tokenguard: "${name}.${flag}" must be a boolean`);
    }
  }
  const level: RequirementLevel = {
    scopes: scopeList(req.scopes, `${name}.scopes`),
    anyScopes: scopeGroups(req.anyScopes, `${name}.anyScopes`),
    claims: claimRuleSets(req.claims, `${name}.claims`),
    acrValues: acr.length === 0 ? undefined : acr,
    maxAge: req.maxAge,
    introspect: req.introspect,
    optional: req.optional,
  };
  const says =
    level.scopes.length > 0 ||
    level.anyScopes.length > 0 ||
    level.claims.length > 0 ||
    level.acrValues !== undefined ||
    level.maxAge !== undefined ||
    level.introspect !== undefined ||
    level.optional !== undefined;
  return says ? Object.freeze(level) : EMPTY_LEVEL;
}

/**
 * Validates route requirements ahead of time (adapters call it when a route is declared), so a
 * mistake is a `TypeError` at startup rather than an error on the request path: an unknown key
 * (naming the closest valid one), a malformed scope, claim rule or `maxAge`. It does NOT check
 * them against a guard's configuration: `guard.checkRequirements()` does.
 *
 * @example
 * ```ts
 * validateRequirements({ scopes: ['orders:write'] }, '@Scopes()');
 * ```
 */
export function validateRequirements(requirements: AuthRequirements, name = 'requirements'): void {
  readRequirements(requirements, name);
}
