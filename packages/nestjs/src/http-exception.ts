import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { AuthError } from '@tokenguard/core';

/**
 * The body of a 401 for a request without credentials. RFC 6750 §3.1 gives that answer no error
 * code, and core sends no body at all. Nest's exception layer always sends the exception's
 * response object as JSON, on both platforms; an object whose `toJSON()` returns `undefined`
 * serialises to nothing, which Express and Fastify both send as an empty body. A user's filter
 * that sends `exception.getResponse()` as JSON sends an empty body too.
 */
const NO_BODY: Readonly<Record<string, never>> = Object.freeze(
  Object.defineProperty({}, 'toJSON', { value: () => undefined, enumerable: false }),
);

/**
 * The Nest exception for a core `AuthError`: the built-in class of its status
 * (`UnauthorizedException` for 401, `ForbiddenException` for 403, `BadRequestException` for 400,
 * `ServiceUnavailableException` for 503), so filters written for those classes see it, with the
 * RFC 6750 body `{ error, error_description }` as its response (none for a bare 401) and the
 * `AuthError` as its `cause`.
 */
export function toHttpException(error: AuthError): HttpException {
  const { body } = error.toResponse();
  // Core's body, as core wrote it: the adapter does not decide what the client is told.
  const response = body === undefined ? NO_BODY : (JSON.parse(body) as Record<string, unknown>);
  const options = { cause: error };
  switch (error.status) {
    case 400:
      return new BadRequestException(response, options);
    case 401:
      return new UnauthorizedException(response, options);
    case 403:
      return new ForbiddenException(response, options);
    case 503:
      return new ServiceUnavailableException(response, options);
    default:
      return new HttpException(response, error.status, options);
  }
}
