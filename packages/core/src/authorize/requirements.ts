import { InsufficientScopeError, InsufficientUserAuthenticationError } from '../errors.js';
import { closestName } from '../lib/closest-name.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';
import {
  type ClaimRules,
  type CompiledClaimRule,
  claimsSatisfy,
  compileClaimRules,
} from './claims.js';
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

const EMPTY_LEVEL: RequirementLevel = Object.freeze({
  scopes: Object.freeze([]),
  anyScopes: Object.freeze([]),
  claims: Object.freeze([]),
  acrValues: undefined,
  maxAge: undefined,
  introspect: undefined,
  optional: undefined,
});

/** Requirements validated once and ready to check. */
export interface CompiledRequirements {
  readonly scopes: readonly string[];
  /** Groups of which at least one scope each is required, outermost first. */
  readonly anyScopes: readonly (readonly string[])[];
  readonly claims: readonly CompiledClaimRule[];
  readonly acrValues: readonly string[] | undefined;
  readonly maxAge: number | undefined;
  readonly introspect: boolean;
  readonly optional: boolean;
}

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

/** Compiles a validated level into predicates, ready to check on every request. */
export function compileLevel(level: RequirementLevel): CompiledRequirements {
  return Object.freeze({
    scopes: level.scopes,
    anyScopes: level.anyScopes,
    claims: Object.freeze(
      level.claims.flatMap((rules) => compileClaimRules(rules, 'requirements.claims')),
    ),
    acrValues: level.acrValues,
    maxAge: level.maxAge,
    introspect: level.introspect === true,
    optional: level.optional === true,
  });
}

/** Validates one requirement set and compiles it (a `TypeError` naming the option). */
export function compileRequirements(
  input: AuthRequirements | undefined,
  name = 'requirements',
): CompiledRequirements {
  return compileLevel(readRequirements(input, name));
}

/**
 * Checks an authenticated token against requirements: scopes (403 `insufficient_scope` with the
 * required scopes in the challenge), each "one of" group (403 naming that group), claim rules
 * (403), then step-up (401 `insufficient_user_authentication`, RFC 9470).
 */
export function authorize(
  requirements: CompiledRequirements,
  scopes: ReadonlySet<string>,
  claims: JsonObject,
  nowSeconds: number,
): void {
  for (const scope of requirements.scopes) {
    if (!scopes.has(scope)) {
      throw new InsufficientScopeError('authz.scope_missing', requirements.scopes);
    }
  }
  for (const group of requirements.anyScopes) {
    if (!group.some((s) => scopes.has(s))) {
      throw new InsufficientScopeError('authz.scope_missing', group);
    }
  }
  if (requirements.claims.length > 0 && !claimsSatisfy(requirements.claims, claims)) {
    throw new InsufficientScopeError(
      'authz.claims',
      [],
      'The access token is not authorized for this resource',
    );
  }
  const { acrValues, maxAge } = requirements;
  if (acrValues !== undefined) {
    const acr = own(claims, 'acr');
    if (typeof acr !== 'string' || !acrValues.includes(acr)) {
      throw new InsufficientUserAuthenticationError('authz.acr', acrValues, maxAge);
    }
  }
  if (maxAge !== undefined) {
    const authTime = own(claims, 'auth_time');
    if (
      typeof authTime !== 'number' ||
      !Number.isFinite(authTime) ||
      nowSeconds - authTime > maxAge
    ) {
      throw new InsufficientUserAuthenticationError('authz.max_age', acrValues, maxAge);
    }
  }
}
