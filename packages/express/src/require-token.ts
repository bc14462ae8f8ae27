import type { ServerResponse } from 'node:http';
import type { AuthContext, AuthRequirements, TokenGuard } from '@tokenguard/core';
import { authenticateNow } from '@tokenguard/core/adapter';
import type { NextFunction } from 'express';
import { setHeaders } from './lib/headers.js';
import { resolveGuard } from './lib/resolve-guard.js';
import { expressReader } from './request.js';
import type { AuthClaims, AuthMiddleware, GuardOptions, RouteRequirements } from './types.js';

function authenticateWith(
  guard: TokenGuard,
  requirements: Readonly<AuthRequirements> | undefined,
): AuthMiddleware {
  return (req, res, next) => {
    let outcome: AuthContext | undefined | Promise<AuthContext | undefined>;
    try {
      // The same requirements object on every request: core compiles it once. A request this
      // guard already authenticated (an app-level requireToken(), then a route's) is authorized
      // on its principal: a DPoP proof is single-use. No promise unless core has to wait (a
      // key set to fetch, a proof to remember): a cache hit goes on to next() at once.
      outcome = authenticateNow(guard, req, expressReader, requirements);
    } catch (error) {
      next(error);
      return;
    }
    if (outcome instanceof Promise) {
      // Express 4 ignores a returned promise: errors must reach next() explicitly.
      outcome.then((auth) => accepted(req, res, next, auth), next);
      return;
    }
    accepted(req, res, next, outcome);
  };
}

function accepted(
  req: { auth?: AuthContext<AuthClaims> | undefined },
  res: ServerResponse,
  next: NextFunction,
  auth: AuthContext | undefined,
): void {
  // The claims type is the one the application declared (AuthClaims); core verified the token,
  // not the shape of its custom claims.
  req.auth = auth as AuthContext<AuthClaims> | undefined;
  if (auth?.responseHeaders !== undefined) setHeaders(res, auth.responseHeaders);
  next();
}

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
