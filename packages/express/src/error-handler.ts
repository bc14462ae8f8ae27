import { isAuthError } from '@tokenguard/core';
import type { ErrorRequestHandler } from 'express';
import { setHeaders } from './lib/headers.js';

/**
 * An error middleware that answers tokenguard's `AuthError`s as RFC 6750 describes: the status,
 * the `WWW-Authenticate` challenge (and `Retry-After`, `Cache-Control`, … from core), and the
 * JSON body `{ "error", "error_description" }`; a request without credentials gets a bare 401
 * with no body. `Access-Control-Expose-Headers` is merged with the value a CORS middleware set.
 * Every other error is passed on to the next error handler, untouched. It does NOT log: the
 * internal reason is on `err.reason` and core's diagnostics channels.
 *
 * Mount it after your routes. Without it, Express's default handler still answers with the right
 * status and challenge (from `err.status` and `err.headers`), with an HTML body.
 *
 * @example
 * ```ts
 * app.use(requireToken());
 * app.get('/orders', listOrders);
 * app.use(authErrorHandler());
 * app.use((err, req, res, next) => { … }); // everything else
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!isAuthError(err) || res.headersSent) {
      next(err);
      return;
    }
    const { status, headers, body } = err.toResponse();
    res.status(status);
    setHeaders(res, headers);
    if (body === undefined) {
      res.end();
      return;
    }
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  };
}
