import type { AuthContext } from '@tokenguard/core';

// What TokenGuard decided for a request, keyed by the request object: `@Auth()` reads it here
// rather than from `req.auth`, which anything else in the request's path could have written. A
// request the guard let through anonymously (a public route, an optional one without
// credentials) is recorded too, so `@Auth()` can tell it from one the guard never saw.
const decisions = new WeakMap<object, { auth: AuthContext | undefined }>();

/** Records the outcome of the guard for a request. */
export function recordAuth(request: object, auth: AuthContext | undefined): void {
  decisions.set(request, { auth });
}

/** The outcome the guard recorded, or `undefined` when no `TokenGuard` ran for this request. */
export function recalledAuth(request: object): { auth: AuthContext | undefined } | undefined {
  return decisions.get(request);
}
