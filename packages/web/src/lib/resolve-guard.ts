import {
  type AuthRequirements,
  createTokenGuard,
  isTokenGuard,
  optionsFromEnv,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import { pickRequirements, routeRequirements } from '@tokenguard/core/adapter';

let envGuard: { key: string; guard: TokenGuard } | undefined;

/**
 * The guard built from `TOKENGUARD_*` in `process.env` by `optionsFromEnv()`, created once and
 * shared by every authenticator given no guard, so they share one key cache. Built again only if
 * the environment's tokenguard options changed (tests do that).
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

function checkRequirements(
  name: string,
  requirements: unknown,
  withoutGuard = false,
): Readonly<AuthRequirements> | undefined {
  if (requirements === undefined) return undefined;
  if (typeof requirements !== 'object' || requirements === null || isTokenGuard(requirements)) {
    throw new TypeError(`tokenguard: the requirements of ${name}() must be an object`);
  }
  return pickRequirements(requirements, name, {
    refuse: { optional: 'use optionalToken() for anonymous access' },
    hint: withoutGuard
      ? 'guard options need "issuer" (or "issuers"), or pass a guard from createTokenGuard()'
      : undefined,
  });
}

/**
 * Reads the arguments every factory shares: nothing (the environment's guard), guard options
 * (with `issuer` or `issuers`: a new guard), route requirements (the environment's guard), or a
 * guard and optional requirements. Returns the requirements object to pass on every request
 * (`undefined`: the guard's own), composed and checked against the guard now, so core compiles it
 * once and a mistake is a `TypeError` at construction.
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
    requirements = checkRequirements(name, first, true);
    guard = defaultGuard();
  }
  if (requirements !== undefined || extra !== undefined) {
    requirements = routeRequirements(guard, name, requirements, extra);
  }
  return { guard, requirements };
}
