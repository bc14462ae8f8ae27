/**
 * A small, independent model of tokenguard's route requirements, for property tests: random
 * requirement sets ({@link requirementsArbitrary}) and token claims
 * ({@link tokenClaimsArbitrary}) are drawn from {@link REQUIREMENTS_MODEL}, and
 * {@link expectedStatus} says, without any of tokenguard's code, what an API must answer.
 */
import fc from 'fast-check';

/** A claim rule the model knows (a subset of tokenguard's `ClaimRule`: no predicates). */
export type ModelClaimRule =
  | { equals: string }
  | { oneOf: readonly string[] }
  | { includes: string }
  | { exists: boolean };

/** One level's requirements, in tokenguard's `AuthRequirements` format. */
export interface ModelRequirements {
  scopes?: readonly string[];
  anyScopes?: readonly string[];
  claims?: Readonly<Record<string, ModelClaimRule>>;
  acrValues?: readonly string[];
  maxAge?: number;
}

/** The values random requirement sets and tokens are drawn from: small, so that they collide. */
export const REQUIREMENTS_MODEL = Object.freeze({
  scopes: Object.freeze(['orders:read', 'orders:write', 'orders:admin', 'admin', 'reports:read']),
  /** Claims with a string value (`equals`, `oneOf`, `exists`). */
  claims: Object.freeze(['tenant', 'role']),
  /** A claim holding an array of strings (`includes`). */
  listClaim: 'groups',
  values: Object.freeze(['acme', 'globex', 'admin', 'user']),
  acrValues: Object.freeze(['pwd', 'mfa', 'hwk']),
  /** `maxAge` values, in seconds; tokens carry `auth_time` between 0 and 900 seconds ago. */
  maxAges: Object.freeze([0, 60, 300, 600]),
});

function ruleHolds(rule: ModelClaimRule, claims: Readonly<Record<string, unknown>>, name: string) {
  const present = Object.hasOwn(claims, name);
  const value = present ? claims[name] : undefined;
  if ('equals' in rule) return value === rule.equals;
  if ('oneOf' in rule) return typeof value === 'string' && rule.oneOf.includes(value);
  if ('includes' in rule) {
    if (Array.isArray(value)) return value.includes(rule.includes);
    return typeof value === 'string' && value.split(' ').includes(rule.includes);
  }
  return present === rule.exists;
}

function scopesOf(claims: Readonly<Record<string, unknown>>): Set<string> {
  const scope = claims.scope;
  return new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);
}

/** Whether a token's claims meet one level's scopes, one-of scopes and claim rules. */
export function meetsAuthorization(
  requirements: ModelRequirements,
  claims: Readonly<Record<string, unknown>>,
): boolean {
  const scopes = scopesOf(claims);
  if (!(requirements.scopes ?? []).every((s) => scopes.has(s))) return false;
  const anyScopes = requirements.anyScopes ?? [];
  if (anyScopes.length > 0 && !anyScopes.some((s) => scopes.has(s))) return false;
  return Object.entries(requirements.claims ?? {}).every(([name, rule]) =>
    ruleHolds(rule, claims, name),
  );
}

/** Whether a token's claims meet one level's step-up requirements (`acrValues`, `maxAge`). */
export function meetsStepUp(
  requirements: ModelRequirements,
  claims: Readonly<Record<string, unknown>>,
  nowSeconds: number,
): boolean {
  const acrValues = requirements.acrValues ?? [];
  if (acrValues.length > 0 && !acrValues.includes(claims.acr as string)) return false;
  if (requirements.maxAge === undefined) return true;
  const authTime = claims.auth_time;
  return typeof authTime === 'number' && nowSeconds - authTime <= requirements.maxAge;
}

/**
 * What an API must answer a valid token whose route declares these levels: 200 when the token
 * meets every level, 403 (`insufficient_scope`) when it misses a scope or a claim rule of any
 * level, else 401 (`insufficient_user_authentication`) when it misses a step-up requirement of
 * any level. tokenguard checks scopes and claims before step-up, whatever the level.
 *
 * @example
 * ```ts
 * expectedStatus([{ scopes: ['orders:read'] }, { acrValues: ['mfa'] }], { scope: 'orders:read', acr: 'pwd' }, now);
 * // 401
 * ```
 */
export function expectedStatus(
  levels: readonly ModelRequirements[],
  claims: Readonly<Record<string, unknown>>,
  nowSeconds: number,
): 200 | 401 | 403 {
  if (!levels.every((level) => meetsAuthorization(level, claims))) return 403;
  if (!levels.every((level) => meetsStepUp(level, claims, nowSeconds))) return 401;
  return 200;
}

/**
 * Whether tokenguard can compose these levels: two non-empty `acrValues` lists with no value in
 * common are refused when the route is declared (no token could ever pass).
 */
export function composable(levels: readonly ModelRequirements[]): boolean {
  let common: readonly string[] | undefined;
  for (const level of levels) {
    const acr = level.acrValues ?? [];
    if (acr.length === 0) continue;
    common = common === undefined ? acr : common.filter((value) => acr.includes(value));
    if (common.length === 0) return false;
  }
  return true;
}

/** `arb` `present` times in `absent + present`, else `undefined`. */
function sometimes<T>(arb: fc.Arbitrary<T>, absent: number, present: number) {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: absent },
    { arbitrary: arb, weight: present },
  );
}

/** The record without its `undefined` members. */
function defined<T extends object>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

const MODEL_KEYS = ['scopes', 'anyScopes', 'claims', 'acrValues', 'maxAge'] as const;

/**
 * Random requirement sets (fast-check), mostly small, as real route levels are: each key is
 * present about one time in three (step-up one in four), so that tokens from
 * {@link tokenClaimsArbitrary} pass, miss a scope or claim, or miss a step-up about equally
 * often. `keys` limits the sets to what a level can express (`@Scopes()` has no `maxAge`).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(requirementsArbitrary(), tokenClaimsArbitrary(now), (a, claims) => …));
 * ```
 */
export function requirementsArbitrary(
  options: { keys?: ReadonlyArray<keyof ModelRequirements> } = {},
): fc.Arbitrary<ModelRequirements> {
  const keys = options.keys ?? MODEL_KEYS;
  const value = fc.constantFrom(...REQUIREMENTS_MODEL.values);
  const claimRule: fc.Arbitrary<ModelClaimRule> = fc.oneof(
    value.map((v) => ({ equals: v })),
    fc.subarray([...REQUIREMENTS_MODEL.values], { minLength: 2 }).map((v) => ({ oneOf: v })),
    fc.boolean().map((exists) => ({ exists })),
  );
  const claims = fc
    .record({
      tenant: sometimes(claimRule, 1, 1),
      role: sometimes(claimRule, 1, 1),
      [REQUIREMENTS_MODEL.listClaim]: sometimes(
        value.map((v) => ({ includes: v })),
        2,
        1,
      ),
    })
    .map(defined)
    .map((rules) => (Object.keys(rules).length === 0 ? undefined : rules));
  const all = {
    scopes: sometimes(
      fc.subarray([...REQUIREMENTS_MODEL.scopes], { minLength: 1, maxLength: 2 }),
      2,
      1,
    ),
    anyScopes: sometimes(
      fc.subarray([...REQUIREMENTS_MODEL.scopes], { minLength: 1, maxLength: 3 }),
      2,
      1,
    ),
    claims: sometimes(claims, 2, 1),
    acrValues: sometimes(fc.subarray([...REQUIREMENTS_MODEL.acrValues], { minLength: 1 }), 3, 1),
    maxAge: sometimes(fc.constantFrom(...REQUIREMENTS_MODEL.maxAges), 3, 1),
  };
  const picked = Object.fromEntries(keys.map((key) => [key, all[key]])) as Partial<typeof all>;
  return fc.record(picked).map(defined) as fc.Arbitrary<ModelRequirements>;
}

/**
 * Random access-token claims (fast-check) for the sets of {@link requirementsArbitrary}: every
 * scope of the model but up to two, and most of the time a `tenant`, a `role`, `groups`, an
 * `acr` and an `auth_time` up to 900 seconds before `nowSeconds`.
 *
 * @example
 * ```ts
 * const pool = fc.sample(tokenClaimsArbitrary(now), { numRuns: 64, seed: 1 });
 * ```
 */
export function tokenClaimsArbitrary(nowSeconds: number): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.constantFrom(...REQUIREMENTS_MODEL.values);
  return fc
    .record({
      scope: fc
        .subarray([...REQUIREMENTS_MODEL.scopes], { maxLength: 2 })
        .map((missing) => REQUIREMENTS_MODEL.scopes.filter((s) => !missing.includes(s)).join(' ')),
      tenant: sometimes(value, 1, 4),
      role: sometimes(value, 1, 4),
      [REQUIREMENTS_MODEL.listClaim]: sometimes(
        fc.subarray([...REQUIREMENTS_MODEL.values], { minLength: 1 }),
        1,
        4,
      ),
      acr: sometimes(fc.constantFrom(...REQUIREMENTS_MODEL.acrValues), 1, 4),
      auth_time: sometimes(fc.integer({ min: nowSeconds - 900, max: nowSeconds }), 1, 4),
    })
    .map(defined);
}
