import {
  type AuthRequirements,
  createTokenGuard,
  isTokenGuard,
  optionsFromEnv,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import { consoleLogger, pickRequirements, routeRequirements } from '@tokenguard/core/adapter';

let envGuard: { key: string; guard: TokenGuard } | undefined;

/** The Express adapter's own keys, beside guard options or requirements. */
const ADAPTER_KEYS = ['forwardErrors'];

/**
 * Creates a guard for a middleware: with no `logger` in the options, one that writes upstream
 * trouble (an issuer down, recovered) to `console.warn`, once per change, and nothing per
 * request. `logger: false` is silent; `logger: console` adds a debug line per rejection.
 */
function createGuard(options: TokenGuardOptions): TokenGuard {
  return createTokenGuard(
    options.logger === undefined ? { ...options, logger: consoleLogger('warn') } : options,
  );
}

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
      guard = createGuard(options);
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

/**
 * Validates route requirements at construction: a `TypeError` naming the option, and for an
 * unknown key the closest valid one (core's message, the same in every adapter). `withoutGuard`:
 * the object came without a guard, so a key that is no requirement may be a guard option given
 * without `issuer`.
 */
export function checkRequirements(
  name: string,
  requirements: unknown,
  withoutGuard = false,
): Readonly<AuthRequirements> | undefined {
  if (requirements === undefined) return undefined;
  if (typeof requirements !== 'object' || requirements === null || isTokenGuard(requirements)) {
    throw new TypeError(`tokenguard: the requirements of ${name}() must be an object`);
  }
  return pickRequirements(requirements, name, {
    known: ADAPTER_KEYS,
    refuse: { optional: 'use optionalToken() for anonymous access' },
    hint: withoutGuard
      ? 'guard options need "issuer" (or "issuers"), or pass a guard from createTokenGuard()'
      : undefined,
  });
}

/** `forwardErrors` of an options or requirements object: `true` sends rejections to `next(err)`. */
function forwardErrorsOf(name: string, source: unknown): boolean {
  const value =
    typeof source === 'object' && source !== null
      ? (source as { forwardErrors?: unknown }).forwardErrors
      : undefined;
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`tokenguard: "${name}.forwardErrors" must be a boolean`);
  }
  return value === true;
}

/**
 * Reads the arguments every middleware factory shares: nothing (the environment's guard), guard
 * options (with `issuer` or `issuers`: a new guard), route requirements (the environment's
 * guard), or a guard and optional requirements; any of the objects may say `forwardErrors`. Returns the requirements object to pass on every
 * request (`undefined`: the guard's own), already checked against the guard, so core compiles it
 * once and a mistake (such as `introspect: true` without introspection) is a `TypeError` now.
 */
export function resolveGuard(
  name: string,
  first: unknown,
  second: unknown,
  extra?: Readonly<AuthRequirements>,
): {
  guard: TokenGuard;
  requirements: Readonly<AuthRequirements> | undefined;
  forwardErrors: boolean;
} {
  let guard: TokenGuard;
  const forwardErrors = forwardErrorsOf(name, second ?? first);
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
    const { forwardErrors: _forward, ...options } = first as TokenGuardOptions & {
      forwardErrors?: boolean;
    };
    guard = createGuard(options);
  } else {
    // Requirements first: a mistake in them is reported even when the environment is not set up.
    requirements = checkRequirements(name, first, true);
    guard = defaultGuard();
  }
  // optionalToken(): one more level, composed by core's rule like any other.
  if (requirements !== undefined || extra !== undefined) {
    requirements = routeRequirements(guard, name, requirements, extra);
  }
  return { guard, requirements, forwardErrors };
}
