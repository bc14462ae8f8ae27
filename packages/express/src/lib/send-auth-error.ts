import type { ServerResponse } from 'node:http';
import type { AuthError } from '@tokenguard/core';
import { setHeaders } from './headers.js';

/**
 * Writes an `AuthError` as RFC 6750 describes: its status, its headers (`WWW-Authenticate`,
 * `Retry-After`, …, `Access-Control-Expose-Headers` merged with a CORS middleware's) and the JSON
 * body `{ "error", "error_description" }`, or no body for a bare 401. Core's body as is.
 */
export function sendAuthError(res: ServerResponse, error: AuthError): void {
  const { status, headers, body } = error.toResponse();
  res.statusCode = status;
  setHeaders(res, headers);
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

// Set on a request by a requireToken() / optionalToken() with `forwardErrors: true`, so that the
// requireScopes() after it forwards the same way.
const FORWARD = Symbol('tokenguard.forwardErrors');

/** Records that rejections of this request go to `next(err)`. */
export function forwardRejections(req: object): void {
  (req as { [FORWARD]?: true })[FORWARD] = true;
}

/** Whether rejections of this request go to `next(err)` (else they are answered at once). */
export function forwardsRejections(req: object): boolean {
  return (req as { [FORWARD]?: true })[FORWARD] === true;
}
