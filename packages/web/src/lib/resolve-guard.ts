import {
  type AuthRequirements,
  createTokenGuard,
  isTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import {
  environmentGuard,
  requirementsArgument,
  routeRequirements,
} from '@tokenguard/core/adapter';

/** The guard built from `TOKENGUARD_*` in `process.env`, shared by every authenticator given none. */
export function defaultGuard(): TokenGuard {
  return environmentGuard(process.env);
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
    requirements = requirementsArgument(name, second);
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
    requirements = requirementsArgument(name, first, { withoutGuard: true });
    guard = defaultGuard();
  }
  if (requirements !== undefined || extra !== undefined) {
    requirements = routeRequirements(guard, name, requirements, extra);
  }
  return { guard, requirements };
}
