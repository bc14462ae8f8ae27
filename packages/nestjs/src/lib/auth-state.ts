import type { AuthContext, TokenGuard as CoreTokenGuard } from '@tokenguard/core';

/** What a `TokenGuard` decided for a request, and with which core guard. */
export interface Decision {
  auth: AuthContext | undefined;
  guard: CoreTokenGuard;
}

// Keyed by the request object. `@Auth()` reads it here rather than from `req.auth`, which anything
// else in the request's path could have written. A request the guard let through anonymously (a
// public route, an optional one without credentials) is recorded too, so `@Auth()` can tell it
// from one no guard saw; and a second TokenGuard for the same request (a global one and a
// controller's) finds the principal the first one verified.
const decisions = new WeakMap<object, Decision>();

/** Records the outcome of the guard for a request. */
export function recordAuth(request: object, decision: Decision): void {
  decisions.set(request, decision);
}

/** The outcome a guard recorded, or `undefined` when no `TokenGuard` ran for this request. */
export function recalledAuth(request: object): Decision | undefined {
  return decisions.get(request);
}
