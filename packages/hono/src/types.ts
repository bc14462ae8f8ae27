import type {
  AccessTokenClaims,
  AuthContext,
  AuthRequirements,
  IssuerOptions,
  TokenGuardOptions,
} from '@tokenguard/core';

/**
 * The claims type of `c.get('auth').claims`: the standard access-token claims, plus whatever you
 * declare. Declaring a claim types it; it does NOT check that tokens carry it (require it with
 * `requireClaims({ tenant: { exists: true } })` or a guard-level `claims` rule).
 *
 * @example
 * ```ts
 * declare module '@tokenguard/hono' {
 *   interface AuthClaims {
 *     tenant: string;
 *   }
 * }
 *
 * app.get('/orders', tokenGuard(), (c) => c.json({ tenant: c.get('auth').claims.tenant }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface AuthClaims extends AccessTokenClaims {}

/**
 * What `tokenGuard()` adds to Hono's `Env`: `c.get('auth')` (and `c.var.auth`) is the verified
 * principal. Use it to type an app whose every route is behind `tokenGuard()`.
 *
 * @example
 * ```ts
 * const app = new Hono<TokenGuardEnv>();
 * app.use(tokenGuard());
 * app.get('/me', (c) => c.json({ user: c.var.auth.principalId }));
 * ```
 */
export type TokenGuardEnv = { Variables: { auth: AuthContext<AuthClaims> } };

/**
 * What `optionalToken()` adds to Hono's `Env`: `c.get('auth')` is `undefined` for an anonymous
 * request.
 *
 * @example
 * ```ts
 * app.get('/feed', optionalToken(), (c) => c.json({ personal: c.get('auth') !== undefined }));
 * ```
 */
export type OptionalTokenEnv = { Variables: { auth: AuthContext<AuthClaims> | undefined } };

/**
 * Options that create a guard: core's `TokenGuardOptions` naming at least one trusted issuer
 * (`issuer` or `issuers`). An object without either is read as {@link RouteRequirements} over the
 * environment's guard.
 *
 * @example
 * ```ts
 * app.use('/api/*', tokenGuard({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * ```
 */
export type GuardOptions = TokenGuardOptions &
  (
    | { issuer: string | readonly string[] }
    | { issuers: readonly IssuerOptions[]; issuer?: string | readonly string[] }
  );

/**
 * What one route requires of an authenticated request, on top of the guard's own checks: core's
 * `AuthRequirements` without `optional`, which is what `optionalToken()` is for.
 *
 * @example
 * ```ts
 * app.post('/orders', tokenGuard({ scopes: ['orders:write'] }), createOrder);
 * ```
 */
export type RouteRequirements = Omit<AuthRequirements, 'optional'>;
