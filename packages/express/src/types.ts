import type {
  AccessTokenClaims,
  AuthContext,
  AuthRequirements,
  IssuerOptions,
  TokenGuardOptions,
} from '@tokenguard/core';
import type { NextFunction, Request, Response } from 'express';

/**
 * The claims type of `req.auth.claims`: the standard access-token claims, plus whatever you
 * declare. Declaring a claim types it; it does NOT check that tokens carry it (require it with
 * `requireClaims({ tenant: { exists: true } })` or a guard-level `claims` rule).
 *
 * @example
 * ```ts
 * declare module '@tokenguard/express' {
 *   interface AuthClaims {
 *     tenant: string;
 *   }
 * }
 *
 * app.get('/orders', requireToken(), (req, res) => {
 *   res.json({ tenant: req.auth?.claims.tenant }); // string | undefined
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface AuthClaims extends AccessTokenClaims {}

/**
 * Options that create a guard: core's `TokenGuardOptions` naming at least one trusted issuer
 * (`issuer` or `issuers`). An object without either is read as {@link RouteRequirements} over the
 * default guard.
 *
 * @example
 * ```ts
 * const options: GuardOptions = {
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 * };
 * app.use(requireToken(options));
 * ```
 */
export type GuardOptions = TokenGuardOptions &
  ExpressOptions &
  (
    | { issuer: string | readonly string[] }
    | { issuers: readonly IssuerOptions[]; issuer?: string | readonly string[] }
  );

/**
 * What the Express middlewares take besides guard options and requirements, in either object.
 *
 * @example
 * ```ts
 * app.use(requireToken({ forwardErrors: true })); // your error handler answers AuthErrors
 * ```
 */
export interface ExpressOptions {
  /**
   * `true`: a rejected request goes to `next(err)` with core's `AuthError` (status, code,
   * headers, reason, details), for an error handler of your own; mount `authErrorHandler()`
   * after it. Default `false`: the middleware answers with the RFC 6750 response itself. The
   * `requireScopes()`, `requireAnyScope()` and `requireClaims()` after it do the same.
   */
  forwardErrors?: boolean;
}

/**
 * What one route requires of an authenticated request, on top of the guard's own checks: core's
 * `AuthRequirements` (`scopes`, `anyScopes`, `claims`, `acrValues`, `maxAge`, `introspect`)
 * without `optional`, which is what `optionalToken()` is for.
 *
 * @example
 * ```ts
 * const canWrite: RouteRequirements = { scopes: ['orders:write'] };
 * app.post('/orders', requireToken(canWrite), createOrder);
 * ```
 */
export type RouteRequirements = Omit<AuthRequirements, 'optional'> & ExpressOptions;

/**
 * The middlewares this package returns. They accept any route's request types, so putting one in
 * front of a handler keeps `req.params` typed from the route path (a plain `RequestHandler` would
 * widen it to `ParamsDictionary`). Assignable to Express's `RequestHandler`.
 *
 * @example
 * ```ts
 * const canRead: AuthMiddleware = requireScopes('orders:read');
 * app.get('/orders/:id', canRead, (req, res) => {
 *   res.json({ id: req.params.id }); // string
 * });
 * ```
 */
export type AuthMiddleware = <
  P,
  ResBody,
  ReqBody,
  ReqQuery,
  Locals extends Record<string, unknown>,
>(
  req: Request<P, ResBody, ReqBody, ReqQuery, Locals>,
  res: Response<ResBody, Locals>,
  next: NextFunction,
) => void;

declare global {
  namespace Express {
    interface Request {
      /**
       * The verified principal, set by `requireToken()` and `optionalToken()` (`undefined` for an
       * anonymous request through `optionalToken()`).
       */
      auth?: AuthContext<AuthClaims>;
    }
  }
}
