import {
  type AuthRequirements,
  createTokenGuard,
  isTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import {
  consoleLogger,
  environmentGuard,
  requirementsArgument,
  routeRequirements,
} from '@tokenguard/core/adapter';

/** The guard built from `TOKENGUARD_*`, shared by every middleware given none (core's cache). */
export function defaultGuard(): TokenGuard {
  return environmentGuard(process.env, createGuard);
}

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
    requirements = requirementsArgument(name, second, { known: ADAPTER_KEYS });
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
    requirements = requirementsArgument(name, first, { known: ADAPTER_KEYS, withoutGuard: true });
    guard = defaultGuard();
  }
  // optionalToken(): one more level, composed by core's rule like any other.
  if (requirements !== undefined || extra !== undefined) {
    requirements = routeRequirements(guard, name, requirements, extra);
  }
  return { guard, requirements, forwardErrors };
}
