import type { AuthContext, TokenGuard, TokenRequest } from '@tokenguard/core';

/** The guard that authenticated a request and the request as core saw it. */
export interface RequestState {
  guard: TokenGuard;
  request: TokenRequest;
  /** What the guard resolved to, once it has (`undefined` for an anonymous request). */
  auth?: AuthContext | undefined;
}

// Keyed by the request object, so nothing is added to `req` and nothing outlives it.
const states = new WeakMap<object, RequestState>();

/** Remembers which guard `requireToken()` / `optionalToken()` used for this request. */
export function rememberRequest(req: object, state: RequestState): void {
  states.set(req, state);
}

/** The state `requireToken()` / `optionalToken()` left for this request, if one of them ran. */
export function recalledRequest(req: object): RequestState | undefined {
  return states.get(req);
}
