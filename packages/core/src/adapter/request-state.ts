import type {
  AuthContext,
  AuthRequirements,
  RequestView,
  TokenGuard,
  TokenRequest,
} from '@tokenguard/core';
import { AUTHENTICATE_NOW } from '../construct.js';
import { MissingTokenError } from '../errors.js';
import type { IncomingRequest } from '../request.js';
import { attachHeaders } from '../respond.js';
import { ReaderView, type RequestReader } from './request-view.js';

/** What a tokenguard adapter decided for one request. */
export interface RequestState {
  /** The guard that decided. */
  readonly guard: TokenGuard;
  /** The request as the guard saw it; `undefined` when the adapter let it through unchecked. */
  readonly request: TokenRequest | RequestView | undefined;
  /** The verified principal; `undefined` for an anonymous request. */
  readonly auth: AuthContext | undefined;
  /** The requirements it was authenticated with. */
  readonly requirements: Readonly<AuthRequirements> | undefined;
}

// A symbol-keyed property of the framework's request: it dies with the request, no other code
// can read or forge it, and unlike a WeakMap entry (an ephemeron the garbage collector traces
// specially) it costs nothing to collect: measured 38 ns per request against 390–530 ns for a
// WeakMap, most of it in GC.
const STATE = Symbol('tokenguard.request');

type Carrier = { [STATE]?: RequestState };

/**
 * What a tokenguard adapter decided for this request (`requireToken()`, a Fastify hook, a NestJS
 * `TokenGuard`), or `undefined` when none ran. Read it rather than `req.auth`, which anything
 * else in the request's path could have written.
 *
 * @example
 * ```ts
 * const auth = requestState(request)?.auth;
 * ```
 */
export function requestState(request: object): RequestState | undefined {
  return (request as Carrier)[STATE];
}

/**
 * Records that an adapter let this request through without looking at its credentials (a
 * NestJS `@Public()` route), so that `requestState()` tells it from a request no adapter saw. A
 * decision already recorded is kept.
 *
 * @example
 * ```ts
 * if (isPublicRoute) recordUnchecked(request, guard);
 * ```
 */
export function recordUnchecked(request: object, guard: TokenGuard): void {
  const carrier = request as Carrier;
  carrier[STATE] ??= { guard, request: undefined, auth: undefined, requirements: undefined };
}

// Core's authorize() checks a principal and cannot introspect: one copy of each requirements
// object without `introspect`, so that core compiles it once.
const withoutIntrospect = new WeakMap<object, Readonly<AuthRequirements>>();
function authorizable(requirements: Readonly<AuthRequirements>): Readonly<AuthRequirements> {
  if (requirements.introspect === undefined) return requirements;
  let stripped = withoutIntrospect.get(requirements);
  if (stripped === undefined) {
    const { introspect: _introspect, ...rest } = requirements;
    stripped = Object.freeze(rest);
    withoutIntrospect.set(requirements, stripped);
  }
  return stripped;
}

/**
 * Authenticates a framework request once per guard, the entry point every adapter uses. The
 * first call authenticates `view` and records the outcome on `request`. A later call for the same
 * request and guard (a global hook, then a route's; a global NestJS guard, then a controller's)
 * checks its own requirements on the principal already verified, without authenticating again:
 * a DPoP proof is single-use, so a second authentication would be a replay. Only a later call
 * that asks for an introspection the first one did not do authenticates again, which for a DPoP
 * request is then answered 401 as a replay: fail closed, never skip the check.
 *
 * Resolves to the principal (`undefined` for an anonymous request on an optional route) or
 * rejects with the guard's `AuthError`. Set `auth.responseHeaders` on the response.
 * {@link authenticateNow} does the same without a promise when none is needed.
 *
 * @example
 * ```ts
 * const auth = await authenticateRequest(guard, req, requestView(req, reader), requirements);
 * ```
 */
export function authenticateRequest(
  guard: TokenGuard,
  request: object,
  view: TokenRequest | RequestView,
  requirements?: Readonly<AuthRequirements>,
): Promise<AuthContext | undefined> {
  try {
    const outcome = decide(guard, request, view, undefined, requirements);
    return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@link authenticateRequest} for a request read through the adapter's {@link RequestReader}, and
 * without a promise when nothing has to be waited for: returns the principal now for a token in
 * the verified-token cache or verified with keys in memory (the usual request), and a promise
 * when a key set, an introspection answer or a DPoP replay check must be waited for. A rejection
 * is thrown now, or rejects the promise: handle both. The request's view and its record are one
 * object, the only one a cache hit allocates here.
 *
 * @example
 * ```ts
 * // An Express-style middleware
 * let outcome;
 * try {
 *   outcome = authenticateNow(guard, req, reader, requirements);
 * } catch (error) {
 *   return next(error);
 * }
 * if (outcome instanceof Promise) outcome.then((auth) => accepted(req, auth, next), next);
 * else accepted(req, outcome, next);
 * ```
 */
export function authenticateNow<R extends object>(
  guard: TokenGuard,
  request: R,
  reader: RequestReader<R>,
  requirements?: Readonly<AuthRequirements>,
): AuthContext | undefined | Promise<AuthContext | undefined> {
  return decide(guard, request, undefined, reader, requirements);
}

/** A request's view, and once the guard accepted it, its record: one object per request. */
class RequestRecord<R> extends ReaderView<R> implements RequestState {
  readonly guard: TokenGuard;
  readonly requirements: Readonly<AuthRequirements> | undefined;
  auth: AuthContext | undefined = undefined;

  constructor(
    request: R,
    reader: RequestReader<R>,
    guard: TokenGuard,
    requirements: Readonly<AuthRequirements> | undefined,
  ) {
    super(request, reader);
    this.guard = guard;
    this.requirements = requirements;
  }

  get request(): RequestView {
    return this;
  }
}

/** A view an adapter made, and what the guard decided with it. */
interface ViewRecord extends RequestState {
  auth: AuthContext | undefined;
}

type Authenticate = (
  request: IncomingRequest,
  requirements: Readonly<AuthRequirements> | undefined,
) => AuthContext | undefined | Promise<AuthContext | undefined>;

function decide<R extends object>(
  guard: TokenGuard,
  request: R,
  view: TokenRequest | RequestView | undefined,
  reader: RequestReader<R> | undefined,
  requirements: Readonly<AuthRequirements> | undefined,
): AuthContext | undefined | Promise<AuthContext | undefined> {
  const seen = requestState(request);
  if (seen !== undefined && seen.guard === guard && seen.request !== undefined) {
    // The same requirements were checked already.
    if (seen.requirements === requirements) return seen.auth;
    if (!requirements?.introspect || seen.requirements?.introspect) {
      guard.authorize(seen.auth, authorizable(requirements ?? {}), seen.request);
      return seen.auth;
    }
  }
  const record: RequestRecord<R> | ViewRecord =
    reader === undefined
      ? { guard, request: view, auth: undefined, requirements }
      : new RequestRecord(request, reader, guard, requirements);
  const seenAs = record.request as IncomingRequest;
  // A guard from createTokenGuard() answers without a promise when it can; any other
  // implementation of TokenGuard through its public method.
  const now = (guard as { [AUTHENTICATE_NOW]?: Authenticate })[AUTHENTICATE_NOW];
  const outcome =
    now !== undefined
      ? now.call(guard, seenAs, requirements)
      : requirements === undefined
        ? guard.authenticate(seenAs)
        : guard.authenticate(seenAs, requirements);
  if (!(outcome instanceof Promise)) return accepted(request, record, outcome);
  return outcome.then((auth) => accepted(request, record, auth));
}

function accepted(
  request: object,
  record: RequestRecord<unknown> | ViewRecord,
  auth: AuthContext | undefined,
): AuthContext | undefined {
  record.auth = auth;
  (request as Carrier)[STATE] = record;
  return auth;
}

/**
 * Checks requirements on a request an adapter already authenticated (Express's `requireScopes()`
 * after `requireToken()`), with the guard that did, on the principal it verified: never a second
 * authentication. A request no adapter authenticated is a 401 `MissingTokenError` with a bare
 * `Bearer` challenge — there is no guard whose realm or resource it could name — and one that
 * was let through anonymously is a 401 unless the requirements say `optional: true`.
 *
 * @example
 * ```ts
 * authorizeRequest(req, { scopes: ['orders:write'] });
 * ```
 */
export function authorizeRequest(request: object, requirements: Readonly<AuthRequirements>): void {
  const seen = requestState(request);
  if (seen === undefined) {
    throw attachHeaders(
      new MissingTokenError('adapter.not_authenticated'),
      { realm: undefined, resourceMetadata: undefined, dpopAlgs: undefined, dpopRequired: false },
      { scheme: undefined, privateAnswer: false, crossOrigin: false, dpopNonce: undefined },
    );
  }
  seen.guard.authorize(seen.auth, authorizable(requirements), seen.request);
}
