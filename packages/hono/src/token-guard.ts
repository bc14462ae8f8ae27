import {
  type AuthContext,
  type AuthRequirements,
  isAuthError,
  type TokenGuard,
} from '@tokenguard/core';
import { authenticateNow, authenticateRequest } from '@tokenguard/core/adapter';
import { applyResponseHeaders, webRequestView } from '@tokenguard/web';
import type { MiddlewareHandler } from 'hono';
import { rejection } from './lib/errors.js';
import { type ResolvedGuard, resolveGuard } from './lib/resolve-guard.js';
import { nodeIncoming, nodeReader } from './request.js';
import type {
  AuthClaims,
  GuardOptions,
  OptionalTokenEnv,
  RouteRequirements,
  TokenGuardEnv,
} from './types.js';

function middlewareFor(resolved: ResolvedGuard): MiddlewareHandler<OptionalTokenEnv> {
  return async (c, next) => {
    const { guard, requirements } = resolved.get(c.env);
    let auth: AuthContext | undefined;
    try {
      // Recorded on the request (stateKey): a later tokenGuard() of the same guard (an app-level
      // one, then a route's) and requireScopes() check the principal already verified, without
      // authenticating again (a DPoP proof is single-use). On Node a cached token is answered
      // without a promise (authenticateNow), as in the Express and Fastify adapters.
      const incoming = nodeIncoming(c);
      const outcome =
        incoming === undefined
          ? authenticateRequest(guard, c.req.raw, webRequestView(c.req.raw), requirements)
          : authenticateNow(guard, incoming, nodeReader, requirements);
      auth = outcome instanceof Promise ? await outcome : outcome;
    } catch (error) {
      if (isAuthError(error)) throw rejection(error);
      throw error;
    }
    // The claims type is the one the application declared (AuthClaims); core verified the
    // token, not the shape of its custom claims.
    c.set('auth', auth as AuthContext<AuthClaims> | undefined);
    await next();
    const headers = auth?.responseHeaders;
    if (headers !== undefined) {
      try {
        applyResponseHeaders(c.res.headers, headers);
      } catch {
        // The handler returned a Response with immutable headers (a fetch() answer).
        c.res = new Response(c.res.body, c.res);
        applyResponseHeaders(c.res.headers, headers);
      }
    }
  };
}

/**
 * Hono middleware that authenticates the request: it verifies the access token (a JWT against the
 * issuer's keys, or an opaque token by introspection; DPoP and mTLS bindings; the guard's and these
 * requirements), and sets the verified principal as `c.get('auth')` (typed through Hono's
 * `Variables`). A rejection is thrown as Hono's `HTTPException` whose response is core's: status,
 * `WWW-Authenticate` challenge (Bearer, and DPoP when enabled, with `resource_metadata`) and JSON
 * body, exactly as every tokenguard adapter answers.
 *
 * Arguments: nothing (the guard built from `TOKENGUARD_*` variables: `process.env` on Node, Bun
 * and Deno, `c.env` on Cloudflare Workers), guard options, route requirements (checked with the
 * environment's guard), or a guard from `createTokenGuard()` and route requirements. Mistakes
 * throw a `TypeError` naming the option when the middleware is created.
 *
 * The DPoP `htu` is compared with the request's URL (or the guard's `publicUrl`); `X-Forwarded-*`
 * is never read. It does NOT read the request body (`tokenLocations: ['body']` finds nothing).
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.use('/api/*', tokenGuard()); // TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE
 * app.get('/api/me', (c) => c.json({ user: c.get('auth').principalId }));
 * app.post('/api/orders', tokenGuard({ scopes: ['orders:write'] }), createOrder);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function tokenGuard(options?: GuardOptions): MiddlewareHandler<TokenGuardEnv>;
export function tokenGuard(requirements: RouteRequirements): MiddlewareHandler<TokenGuardEnv>;
export function tokenGuard(
  guard: TokenGuard,
  requirements?: RouteRequirements,
): MiddlewareHandler<TokenGuardEnv>;
export function tokenGuard(
  first?: TokenGuard | GuardOptions | RouteRequirements,
  second?: RouteRequirements,
): MiddlewareHandler<TokenGuardEnv> {
  return middlewareFor(
    resolveGuard('tokenGuard', first, second),
  ) as unknown as MiddlewareHandler<TokenGuardEnv>;
}

/**
 * Like {@link tokenGuard}, but a request without credentials goes through as anonymous
 * (`c.get('auth')` is `undefined`). Credentials that are there must still be valid: a bad,
 * expired or malformed token is rejected exactly as by `tokenGuard()`. Requirements apply only to
 * authenticated requests. Takes the same arguments as `tokenGuard()`.
 *
 * @example
 * ```ts
 * app.get('/feed', optionalToken(), (c) => {
 *   const auth = c.get('auth');
 *   return c.json(auth ? personalFeed(auth.subject) : publicFeed());
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function optionalToken(options?: GuardOptions): MiddlewareHandler<OptionalTokenEnv>;
export function optionalToken(requirements: RouteRequirements): MiddlewareHandler<OptionalTokenEnv>;
export function optionalToken(
  guard: TokenGuard,
  requirements?: RouteRequirements,
): MiddlewareHandler<OptionalTokenEnv>;
export function optionalToken(
  first?: TokenGuard | GuardOptions | RouteRequirements,
  second?: RouteRequirements,
): MiddlewareHandler<OptionalTokenEnv> {
  const optional: Readonly<AuthRequirements> = { optional: true };
  return middlewareFor(resolveGuard('optionalToken', first, second, optional));
}
