import type { AuthContext, TokenGuard, TokenRequest } from '@tokenguard/core';

/** The guard that authenticated a request and the request as core saw it. */
export interface RequestState {
  guard: TokenGuard;
  request: TokenRequest;
  /** What the guard resolved to, once it has (`undefined` for an anonymous request). */
  auth?: AuthContext | undefined;
}

// A symbol-keyed property of the request: it dies with the request, and unlike a WeakMap entry
// (an ephemeron the garbage collector must trace specially) it costs nothing to collect, which
// matters on every request.
const STATE = Symbol('tokenguard.requestState');

/** Remembers which guard `requireToken()` / `optionalToken()` used for this request. */
export function rememberRequest(req: object, state: RequestState): void {
  (req as { [STATE]?: RequestState })[STATE] = state;
}

/** The state `requireToken()` / `optionalToken()` left for this request, if one of them ran. */
export function recalledRequest(req: object): RequestState | undefined {
  return (req as { [STATE]?: RequestState })[STATE];
}
