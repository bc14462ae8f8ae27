import type {
  AccessTokenClaims,
  AuthContext,
  AuthRequirements,
  IssuerOptions,
  TokenGuardOptions,
} from '@tokenguard/core';
import type { RequestContext } from './request.js';

/**
 * The claims type of `auth.claims`: the standard access-token claims, plus whatever you declare.
 * Declaring a claim types it; it does NOT check that tokens carry it (require it with a `claims`
 * rule).
 *
 * @example
 * ```ts
 * declare module '@tokenguard/web' {
 *   interface AuthClaims {
 *     tenant: string;
 *   }
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface AuthClaims extends AccessTokenClaims {}

/**
 * Options that create a guard: core's `TokenGuardOptions` naming at least one trusted issuer
 * (`issuer` or `issuers`). An object without either is read as {@link RouteRequirements} over the
 * environment's guard.
 *
 * @example
 * ```ts
 * const options: GuardOptions = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };
 * const authenticate = requireToken(options);
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
 * const canWrite: RouteRequirements = { scopes: ['orders:write'] };
 * ```
 */
export type RouteRequirements = Omit<AuthRequirements, 'optional'>;

/**
 * What `requireToken()` returns: authenticates a `Request` and resolves to the verified principal,
 * or to the ready `Response` (status, challenge, JSON body) to send instead. It never rejects for
 * a bad token; it rejects only for a bug (anything that is not an `AuthError`).
 *
 * @example
 * ```ts
 * const auth = await authenticate(request);
 * if (auth instanceof Response) return auth;
 * ```
 */
export type Authenticator = (
  request: Request,
  context?: RequestContext,
) => Promise<AuthContext<AuthClaims> | Response>;

/**
 * What `optionalToken()` returns: like {@link Authenticator}, but a request without credentials
 * resolves to `undefined` (anonymous).
 *
 * @example
 * ```ts
 * const auth = await maybe(request);
 * if (auth instanceof Response) return auth;
 * return Response.json(auth ? personalised(auth.subject) : everyone());
 * ```
 */
export type OptionalAuthenticator = (
  request: Request,
  context?: RequestContext,
) => Promise<AuthContext<AuthClaims> | undefined | Response>;
