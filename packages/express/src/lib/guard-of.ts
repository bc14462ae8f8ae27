import type { TokenGuard } from '@tokenguard/core';

// The guard behind a middleware, so that warmUp(middleware) can warm a guard the application
// never held (one requireToken({ issuer, audience }) made).
const GUARD = Symbol('tokenguard.middlewareGuard');

/** Marks a middleware with the guard it authenticates with. */
export function withGuard<T extends object>(middleware: T, guard: TokenGuard): T {
  Object.defineProperty(middleware, GUARD, { value: guard });
  return middleware;
}

/** The guard behind a middleware from `requireToken()` / `optionalToken()`. */
export function guardOf(middleware: unknown): TokenGuard | undefined {
  return typeof middleware === 'function'
    ? (middleware as { [GUARD]?: TokenGuard })[GUARD]
    : undefined;
}
