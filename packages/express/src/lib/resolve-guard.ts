import {
  type AuthRequirements,
  createTokenGuard,
  isTokenGuard,
  optionsFromEnv,
  type TokenGuard,
  type TokenGuardOptions,
  validateRequirements,
} from '@tokenguard/core';

// The requirement keys a route may set; every other key belongs to the guard.
const REQUIREMENT_KEYS = new Set([
  'scopes',
  'anyScopes',
  'claims',
  'acrValues',
  'maxAge',
  'introspect',
]);

let envGuard: { key: string; guard: TokenGuard } | undefined;

/**
 * The guard built from `TOKENGUARD_*` by `optionsFromEnv()`, created once and shared by every
 * middleware that is given no guard, so they share one key cache. Built again only if the
 * environment's tokenguard options changed (tests do that).
 */
export function defaultGuard(): TokenGuard {
  const options = optionsFromEnv();
  const key = JSON.stringify(options);
  if (envGuard?.key !== key) {
    let guard: TokenGuard;
    try {
      guard = createTokenGuard(options);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new TypeError(
        `${error.message} (without a guard or guard options, tokenguard reads TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, … from the environment)`,
        { cause: error },
      );
    }
    envGuard = { key, guard };
  }
  return envGuard.guard;
}

/** Validates route requirements at construction: a `TypeError` naming the option. */
export function checkRequirements(
  name: string,
  requirements: unknown,
): Readonly<AuthRequirements> | undefined {
  if (requirements === undefined) return undefined;
  if (typeof requirements !== 'object' || requirements === null || isTokenGuard(requirements)) {
    throw new TypeError(`tokenguard: the requirements of ${name}() must be an object`);
  }
  for (const key of Object.keys(requirements)) {
    if (REQUIREMENT_KEYS.has(key)) continue;
    if (key === 'optional') {
      throw new TypeError(
        `tokenguard: "${name}.optional" is not an option; use optionalToken() for anonymous access`,
      );
    }
    throw new TypeError(
      `tokenguard: "${name}.${key}" is not a route requirement; guard options need "issuer" (or "issuers"), or pass a guard from createTokenGuard()`,
    );
  }
  validateRequirements(requirements as AuthRequirements, name);
  return Object.freeze({ ...(requirements as AuthRequirements) });
}

/**
 * Reads the arguments every middleware factory shares: nothing (the environment's guard), guard
 * options (with `issuer` or `issuers`: a new guard), route requirements (the environment's
 * guard), or a guard and optional requirements. Returns the requirements object to pass on every
 * request (`undefined`: the guard's own), already checked against the guard, so core compiles it
 * once and a mistake (such as `introspect: true` without introspection) is a `TypeError` now.
 */
export function resolveGuard(
  name: string,
  first: unknown,
  second: unknown,
  extra?: Readonly<AuthRequirements>,
): { guard: TokenGuard; requirements: Readonly<AuthRequirements> | undefined } {
  let guard: TokenGuard;
  let requirements: Readonly<AuthRequirements> | undefined;
  if (isTokenGuard(first)) {
    guard = first;
    requirements = checkRequirements(name, second);
  } else if (second !== undefined) {
    throw new TypeError(
      `tokenguard: ${name}() takes requirements as its second argument only after a guard`,
    );
  } else if (first === undefined) {
    guard = defaultGuard();
  } else if (typeof first !== 'object' || first === null) {
    throw new TypeError(`tokenguard: ${name}() takes a guard, guard options or route requirements`);
  } else if ('issuer' in first || 'issuers' in first) {
    guard = createTokenGuard(first as TokenGuardOptions);
  } else {
    // Requirements first: a mistake in them is reported even when the environment is not set up.
    requirements = checkRequirements(name, first);
    guard = defaultGuard();
  }
  if (extra !== undefined) requirements = Object.freeze({ ...requirements, ...extra });
  if (requirements !== undefined) guard.checkRequirements(requirements, name);
  return { guard, requirements };
}
