import type { ServerResponse } from 'node:http';
import {
  type AuthContext,
  type AuthRequirements,
  isAuthError,
  type TokenGuard,
} from '@tokenguard/core';
import { authenticateNow } from '@tokenguard/core/adapter';
import type { NextFunction } from 'express';
import { withGuard } from './lib/guard-of.js';
import { setHeaders } from './lib/headers.js';
import { resolveGuard } from './lib/resolve-guard.js';
import { forwardRejections, sendAuthError } from './lib/send-auth-error.js';
import { expressReader } from './request.js';
import type { AuthClaims, AuthMiddleware, GuardOptions, RouteRequirements } from './types.js';

function authenticateWith(
  guard: TokenGuard,
  requirements: Readonly<AuthRequirements> | undefined,
  forwardErrors: boolean,
): AuthMiddleware {
  const middleware: AuthMiddleware = (req, res, next) => {
    if (forwardErrors) forwardRejections(req);
    let outcome: AuthContext | undefined | Promise<AuthContext | undefined>;
    try {
      // The same requirements object on every request: core compiles it once. A request this
      // guard already authenticated (an app-level requireToken(), then a route's) is authorized
      // on its principal: a DPoP proof is single-use. No promise unless core has to wait (a
      // key set to fetch, a proof to remember): a cache hit goes on to next() at once.
      outcome = authenticateNow(guard, req, expressReader, requirements);
    } catch (error) {
      rejected(res, next, error, forwardErrors);
      return;
    }
    if (outcome instanceof Promise) {
      // Express 4 ignores a returned promise: errors must reach next() explicitly.
      outcome.then(
        (auth) => accepted(req, res, next, auth),
        (error: unknown) => rejected(res, next, error, forwardErrors),
      );
      return;
    }
    accepted(req, res, next, outcome);
  };
  return withGuard(middleware, guard);
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

function rejected(
  res: ServerResponse,
  next: NextFunction,
  error: unknown,
  forwardErrors: boolean,
): void {
  // Right by default: the RFC 6750 answer, not Express's HTML error page (nor a stack in the log
  // for every rejected request). Anything else must reach next() explicitly.
  if (!forwardErrors && isAuthError(error) && !res.headersSent) sendAuthError(res, error);
  else next(error);
}

/**
 * Authenticates the request with a guard (its own, from these options; the one given; or, with
 * no guard options, the one built from `TOKENGUARD_*`), checks the requirements, and sets
 * `req.auth`. A rejected request is answered right here, the RFC 6750 / RFC 9449 way: the status,
 * `WWW-Authenticate` (and `Retry-After`, `DPoP-Nonce`, …) and the JSON body
 * `{ error, error_description }` (none for a request without credentials) — no HTML, no stack,
 * nothing logged above the guard logger's debug. With `forwardErrors: true`, the `AuthError` goes
 * to `next(err)` instead, for an error handler of your own (then mount `authErrorHandler()`
 * after it).
 *
 * A guard this creates logs upstream trouble (an issuer down, recovered) to `console.warn`, once
 * per change, unless its options say `logger` (`console` adds a debug line per rejection; `false`
 * is silent).
 *
 * @example
 * ```ts
 * app.use(requireToken()); // TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE
 * app.post('/orders', requireToken({ scopes: ['orders:write'] }), createOrder);
 * app.use('/admin', requireToken(guard, { scopes: ['admin'], forwardErrors: true }));
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
  const { guard, requirements, forwardErrors } = resolveGuard('requireToken', first, second);
  return authenticateWith(guard, requirements, forwardErrors);
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
  const { guard, requirements, forwardErrors } = resolveGuard('optionalToken', first, second, {
    optional: true,
  });
  return authenticateWith(guard, requirements, forwardErrors);
}
