import type { AuthError } from '@tokenguard/core';
import { authErrorResponse } from '@tokenguard/web';
import { HTTPException } from 'hono/http-exception';

/**
 * A rejection as Hono's middlewares report one (`hono/jwk`, `hono/bearer-auth`): an
 * `HTTPException` whose `res` is core's answer — status, challenge, JSON body — and whose `cause`
 * is the `AuthError`. Hono's default error handler sends `res`; an `app.onError()` sends
 * `err.getResponse()` for an `HTTPException`.
 */
export function rejection(error: AuthError): HTTPException {
  return new HTTPException(error.status as 400, {
    res: authErrorResponse(error),
    message: error.description,
    cause: error,
  });
}
