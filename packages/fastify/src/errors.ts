import { type AuthError, isAuthError } from '@tokenguard/core';
import { mergeResponseHeader } from '@tokenguard/core/adapter';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Sets core's response headers on a reply, merging `Access-Control-Expose-Headers`. */
export function setHeaders(reply: FastifyReply, headers: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(headers)) {
    reply.header(name, mergeResponseHeader(name, reply.getHeader(name), headers[name] as string));
  }
}

/** Writes an `AuthError` as its RFC 6750 response: status, challenge, JSON body (none for a bare 401). */
export function sendAuthError(reply: FastifyReply, error: AuthError): FastifyReply {
  const { status, headers, json } = error.toResponse();
  reply.code(status);
  const { 'Content-Type': _type, ...rest } = headers;
  setHeaders(reply, rest);
  return json === undefined ? reply.send() : reply.send(json);
}

type ErrorHandler = (
  this: FastifyInstance,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => unknown;

/**
 * An error handler for the plugin's scope: `AuthError`s become RFC 6750 responses, every other
 * error goes to the handler that was in place before. A handler you set yourself afterwards (in
 * this scope or a child) replaces it and receives the `AuthError` with `statusCode`, `code` and
 * `headers`.
 */
export function authErrorHandler(previous: ErrorHandler): ErrorHandler {
  return function handle(this: FastifyInstance, error, request, reply) {
    if (isAuthError(error)) return sendAuthError(reply, error);
    return previous.call(this, error, request, reply);
  };
}
