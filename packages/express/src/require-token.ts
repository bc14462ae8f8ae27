import type { AuthContext, AuthRequirements, TokenGuard } from '@tokenguard/core';
import { setHeaders } from './lib/headers.js';
import { type RequestState, rememberRequest } from './lib/request-state.js';
import { resolveGuard } from './lib/resolve-guard.js';
import { toTokenRequest } from './request.js';
import type { AuthClaims, AuthMiddleware, GuardOptions, RouteRequirements } from './types.js';

function authenticateWith(
  guard: TokenGuard,
  requirements: Readonly<AuthRequirements> | undefined,
): AuthMiddleware {
  return (req, res, next) => {
    const request = toTokenRequest(guard, req);
    const state: RequestState = { guard, request };
    rememberRequest(req, state);
    // The same requirements object on every request: core compiles it once.
    const authenticated =
      requirements === undefined
        ? guard.authenticate(request)
        : guard.authenticate(request, requirements);
    authenticated
      .then((auth) => {
        // The claims type is the one the application declared (AuthClaims); core verified the
        // token, not the shape of its custom claims.
        req.auth = auth as AuthContext<AuthClaims> | undefined;
        state.auth = auth;
        if (auth?.responseHeaders !== undefined) setHeaders(res, auth.responseHeaders);
      })
      // Express 4 ignores a returned promise: errors must reach next() explicitly.
      .then(() => next(), next);
  };
}

/**
 * Authenticates the request with a tokenguard guard and sets `req.auth`; a rejected request goes
 * to `next(err)` as core's `AuthError` (with `status`, `code` and the `WWW-Authenticate` header),
 * so Express's default error handler already answers with the right status and challenge, and
 * `authErrorHandler()` adds the RFC 6750 JSON body.
 *
 * - `requireToken()`: the guard from `TOKENGUARD_*` (core's `optionsFromEnv()`), created once and
 *   shared by every middleware given no guard.
 * - `requireToken({ issuer, audience, … })`: a new guard from these options (an object that names
 *   `issuer` or `issuers`).
 * - `requireToken({ scopes: ['orders:read'] })`: an object without an issuer is route
 *   requirements, checked with the environment's guard.
 * - `requireToken(guard, requirements?)`: an existing guard, so several middlewares share one key
 *   cache.
 *
 * Configuration mistakes throw a `TypeError` naming the option, here, at startup. It does NOT
 * check anything the application knows better (that the user still exists, owns the order…).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { authErrorHandler, requireToken } from '@tokenguard/express';
 *
 * const app = express();
 * // Per route, with the guard from TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE:
 * app.get('/orders', requireToken({ scopes: ['orders:read'] }), (req, res) => {
 *   res.json({ user: req.auth?.subject });
 * });
 * // Or for everything below, with explicit options:
 * app.use(requireToken({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * app.use(authErrorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireToken(options?: GuardOptions): AuthMiddleware;
export function requireToken(requirements: RouteRequirements): AuthMiddleware;
export function requireToken(guard: TokenGuard, requirements?: RouteRequirements): AuthMiddleware;
export function requireToken(
  first?: TokenGuard | GuardOptions | RouteRequirements,
  second?: RouteRequirements,
): AuthMiddleware {
  const { guard, requirements } = resolveGuard('requireToken', first, second);
  return authenticateWith(guard, requirements);
}

/**
 * Like {@link requireToken}, but a request without credentials goes through as anonymous
 * (`req.auth` is `undefined`). Credentials that are there must still be valid: a bad, expired or
 * malformed token is rejected exactly as by `requireToken()`. Requirements apply only to
 * authenticated requests. Takes the same arguments as `requireToken()`.
 *
 * @example
 * ```ts
 * app.get('/products', optionalToken(guard), (req, res) => {
 *   res.json(req.auth ? personalisedProducts(req.auth.subject) : publicProducts());
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function optionalToken(options?: GuardOptions): AuthMiddleware;
export function optionalToken(requirements: RouteRequirements): AuthMiddleware;
export function optionalToken(guard: TokenGuard, requirements?: RouteRequirements): AuthMiddleware;
export function optionalToken(
  first?: TokenGuard | GuardOptions | RouteRequirements,
  second?: RouteRequirements,
): AuthMiddleware {
  const { guard, requirements } = resolveGuard('optionalToken', first, second, { optional: true });
  return authenticateWith(guard, requirements);
}
