import type { AuthError } from '@tokenguard/core';
import { mergeResponseHeader } from '@tokenguard/core/adapter';

/**
 * The `Response` for a rejected request, as RFC 6750 and RFC 9449 describe it: core's status, its
 * headers (`WWW-Authenticate` with the Bearer and DPoP challenges, `Retry-After` and
 * `Cache-Control: no-store` for a 503, `DPoP-Nonce`, `Access-Control-Expose-Headers`) and the
 * JSON body `{ "error", "error_description" }`; a request without credentials gets a bare 401 with
 * no body. It does NOT log: the internal reason is on `error.reason` and core's diagnostics
 * channels.
 *
 * @example
 * ```ts
 * try {
 *   const auth = await guard.authenticate(webRequestView(request));
 * } catch (error) {
 *   if (isAuthError(error)) return authErrorResponse(error);
 *   throw error;
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function authErrorResponse(error: AuthError): Response {
  const { status, headers, body } = error.toResponse();
  return new Response(body ?? null, { status, headers });
}

/**
 * Sets core's response headers (`auth.responseHeaders`, an error's `headers`) on a `Headers`
 * object. `Access-Control-Expose-Headers` and `Vary` are merged with what is there (a CORS
 * middleware's list), every other header is replaced.
 *
 * @example
 * ```ts
 * const response = await handler(request, auth);
 * if (auth.responseHeaders) applyResponseHeaders(response.headers, auth.responseHeaders);
 * ```
 */
export function applyResponseHeaders(
  target: Headers,
  headers: Readonly<Record<string, string>>,
): void {
  for (const name of Object.keys(headers)) {
    const existing = target.get(name);
    target.set(name, mergeResponseHeader(name, existing ?? undefined, headers[name] as string));
  }
}
