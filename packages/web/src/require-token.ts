import {
  type AuthContext,
  type AuthRequirements,
  isAuthError,
  type TokenGuard,
} from '@tokenguard/core';
import { authenticateRequest } from '@tokenguard/core/adapter';
import { resolveGuard } from './lib/resolve-guard.js';
import { type RequestContext, webRequestView } from './request.js';
import { applyResponseHeaders, authErrorResponse } from './respond.js';
import type {
  AuthClaims,
  Authenticator,
  GuardOptions,
  OptionalAuthenticator,
  RouteRequirements,
} from './types.js';

function authenticatorFor(
  guard: TokenGuard,
  requirements: Readonly<AuthRequirements> | undefined,
): OptionalAuthenticator {
  return async (request, context) => {
    try {
      // The outcome is recorded on the Request: a second authenticator of the same guard on the
      // same request (an outer level, then a route's) checks its requirements on the principal
      // already verified, without authenticating again (a DPoP proof is single-use).
      const auth = await authenticateRequest(
        guard,
        request,
        webRequestView(request, context),
        requirements,
      );
      return auth as AuthContext<AuthClaims> | undefined;
    } catch (error) {
      if (isAuthError(error)) return authErrorResponse(error);
      throw error;
    }
  };
}

/**
 * Makes an authenticator for Web-standard requests: it verifies the access token (a JWT against
 * the issuer's keys, or an opaque token by introspection; DPoP and mTLS bindings; the guard's and
 * these requirements) and resolves to the verified `AuthContext`, or to the `Response` to send
 * instead — status, `WWW-Authenticate` challenge and JSON body, exactly as every tokenguard
 * adapter answers. The decisions are core's; this only maps `Request` and `Response`.
 *
 * Arguments: nothing (the guard built from `TOKENGUARD_*` environment variables), guard options,
 * route requirements (checked with the environment's guard), or a guard from `createTokenGuard()`
 * and route requirements. Mistakes throw a `TypeError` naming the option, here and not on a
 * request. Keep the returned function and call it per request: its requirements are compiled once.
 *
 * It does NOT set `auth.responseHeaders` (a fresh `DPoP-Nonce`, `Cache-Control: private` for a
 * query token) on your response: {@link withToken} does, or use {@link applyResponseHeaders}.
 *
 * @example
 * ```ts
 * const readOrders = requireToken({ scopes: ['orders:read'] }); // the environment's guard
 *
 * export async function GET(request: Request) {
 *   const auth = await readOrders(request);
 *   if (auth instanceof Response) return auth;
 *   return Response.json({ user: auth.subject });
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireToken(options?: GuardOptions): Authenticator;
export function requireToken(requirements: RouteRequirements): Authenticator;
export function requireToken(guard: TokenGuard, requirements?: RouteRequirements): Authenticator;
export function requireToken(
  first?: TokenGuard | GuardOptions | RouteRequirements,
  second?: RouteRequirements,
): Authenticator {
  const { guard, requirements } = resolveGuard('requireToken', first, second);
  return authenticatorFor(guard, requirements) as Authenticator;
}

/**
 * Like {@link requireToken}, but a request without credentials resolves to `undefined`
 * (anonymous). Credentials that are there must still be valid: a bad, expired or malformed token
 * resolves to the same `Response` as with `requireToken()`. Requirements apply only to
 * authenticated requests.
 *
 * @example
 * ```ts
 * const maybe = optionalToken(guard);
 * const auth = await maybe(request);
 * if (auth instanceof Response) return auth;
 * return Response.json(auth ? { hello: auth.subject } : { hello: 'stranger' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function optionalToken(options?: GuardOptions): OptionalAuthenticator;
export function optionalToken(requirements: RouteRequirements): OptionalAuthenticator;
export function optionalToken(
  guard: TokenGuard,
  requirements?: RouteRequirements,
): OptionalAuthenticator;
export function optionalToken(
  first?: TokenGuard | GuardOptions | RouteRequirements,
  second?: RouteRequirements,
): OptionalAuthenticator {
  const { guard, requirements } = resolveGuard('optionalToken', first, second, {
    optional: true,
  });
  return authenticatorFor(guard, requirements);
}

/**
 * Wraps a fetch handler: the request is authenticated first, a rejection is answered with its
 * `Response`, and an accepted request reaches `handler` with its principal; the headers core adds
 * to an accepted request's answer (a fresh `DPoP-Nonce`, `Cache-Control: private`) are set on the
 * handler's `Response`. Extra arguments (Next.js's route context, Bun's server) are passed on.
 *
 * @example
 * ```ts
 * Bun.serve({
 *   fetch: withToken(requireToken(), (request, auth) => Response.json({ user: auth.subject })),
 * });
 * ```
 */
export function withToken<T extends AuthContext<AuthClaims> | undefined, A extends unknown[]>(
  authenticate: (request: Request, context?: RequestContext) => Promise<T | Response>,
  handler: (request: Request, auth: T, ...rest: A) => Response | Promise<Response>,
): (request: Request, ...rest: A) => Promise<Response> {
  if (typeof authenticate !== 'function' || typeof handler !== 'function') {
    throw new TypeError('tokenguard: withToken() takes an authenticator and a handler');
  }
  return async (request, ...rest) => {
    const auth = await authenticate(request);
    if (auth instanceof Response) return auth;
    let response = await handler(request, auth, ...rest);
    const headers = auth?.responseHeaders;
    if (headers !== undefined) {
      try {
        applyResponseHeaders(response.headers, headers);
      } catch {
        // The handler's Response has immutable headers (Response.redirect(), a fetch() answer).
        response = new Response(response.body, response);
        applyResponseHeaders(response.headers, headers);
      }
    }
    return response;
  };
}
