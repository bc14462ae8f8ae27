import { isAuthError } from '@tokenguard/core';
import type { ErrorRequestHandler } from 'express';
import { sendAuthError } from './lib/send-auth-error.js';

/**
 * An error middleware that answers tokenguard's `AuthError`s as RFC 6750 describes: the status,
 * the `WWW-Authenticate` challenge (and `Retry-After`, `Cache-Control`, … from core), and the
 * JSON body `{ "error", "error_description" }`; a request without credentials gets a bare 401
 * with no body. `Access-Control-Expose-Headers` is merged with the value a CORS middleware set.
 * Every other error is passed on to the next error handler, untouched. It does NOT log: the
 * guard's `logger` does, and the internal reason is on `err.reason` and `err.details`.
 *
 * Only needed with `forwardErrors: true`: by default `requireToken()` answers rejections itself,
 * exactly this way. With forwarding, mount it after your own handler for `AuthError`s, so that
 * what yours leaves is still answered right (Express's default handler would send HTML).
 *
 * @example
 * ```ts
 * app.use(requireToken({ forwardErrors: true }));
 * app.get('/orders', listOrders);
 * app.use(myErrorHandler); // sees the AuthError first
 * app.use(authErrorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!isAuthError(err) || res.headersSent) {
      next(err);
      return;
    }
    sendAuthError(res, err);
  };
}
