import type { AuthRequirements, TokenGuard, TokenGuardOptions } from '@tokenguard/core';
import { isTokenGuard } from '../construct.js';
import { createTokenGuard } from '../create-token-guard.js';
import { optionsFromEnv } from '../env.js';
import { pickRequirements } from './route-requirements.js';

type Create = (options: TokenGuardOptions) => TokenGuard;

// One guard per way of creating it (an adapter's defaults), rebuilt only when the environment's
// tokenguard options change (tests do that).
const cache = new WeakMap<Create, { key: string; guard: TokenGuard }>();

/**
 * The guard built from `TOKENGUARD_*` by `optionsFromEnv(env)`, created once (by `create`, an
 * adapter's defaults) and shared by every middleware given no guard, so they share one key cache.
 * A configuration mistake is core's `TypeError`, with where the options came from appended.
 *
 * @example
 * ```ts
 * const guard = environmentGuard(process.env); // what requireToken() with no arguments uses
 * ```
 */
export function environmentGuard(
  env: Readonly<Record<string, string | undefined>> = process.env,
  create: Create = createTokenGuard,
  where = 'from the environment',
): TokenGuard {
  const options = optionsFromEnv(env);
  const key = JSON.stringify(options);
  const cached = cache.get(create);
  if (cached?.key === key) return cached.guard;
  let guard: TokenGuard;
  try {
    guard = create(options);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(
      `${error.message} (without a guard or guard options, tokenguard reads TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, … ${where})`,
      { cause: error },
    );
  }
  cache.set(create, { key, guard });
  return guard;
}

/**
 * The requirements argument of a middleware factory (`requireToken(guard, requirements)`), checked
 * at construction: an object, every key a requirement (or one of the adapter's own, `known`), the
 * closest valid key named for a typo; `optional` refused (`optionalToken()` is for that).
 * `withoutGuard`: it came without a guard, so a key that is no requirement may be a guard option
 * given without `issuer`, and the message says so.
 */
export function requirementsArgument(
  name: string,
  requirements: unknown,
  options: { known?: readonly string[]; withoutGuard?: boolean } = {},
): Readonly<AuthRequirements> | undefined {
  if (requirements === undefined) return undefined;
  if (typeof requirements !== 'object' || requirements === null || isTokenGuard(requirements)) {
    throw new TypeError(`tokenguard: the requirements of ${name}() must be an object`);
  }
  return pickRequirements(requirements, name, {
    known: options.known,
    refuse: { optional: 'use optionalToken() for anonymous access' },
    hint: options.withoutGuard
      ? 'guard options need "issuer" (or "issuers"), or pass a guard from createTokenGuard()'
      : undefined,
  });
}
