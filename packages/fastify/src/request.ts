import type { RequestReader } from '@tokenguard/core/adapter';
import type { FastifyRequest } from 'fastify';

/**
 * How core reads a Fastify request (`@tokenguard/core/adapter`'s `requestView()`): the protocol
 * and Host as Fastify's `trustProxy` resolves them (`request.protocol`, `request.host`:
 * X-Forwarded-Proto/Host only from a trusted proxy), the path as received, the parsed body and
 * the TLS socket. Core reads the URL parts only for a query token or the DPoP `htu`, builds the
 * URL from them (or from the guard's `publicUrl`) and validates the Host. Node keeps only the
 * first `Authorization` header in `headers`; `rawHeaders` lets core see a second one. For a cookie
 * in `tokenLocations`: `request.cookies` when `@fastify/cookie` is registered (and its hook ran
 * first), else core parses the `Cookie` header.
 */
export const fastifyReader: RequestReader<FastifyRequest> = {
  method: (request) => request.method,
  headers: (request) => request.headers,
  rawHeaders: (request) => request.raw.rawHeaders,
  protocol: (request) => request.protocol,
  host: (request) => request.host,
  path: (request) => request.url,
  body: (request) => request.body as unknown,
  cookies: (request) => {
    // `@fastify/cookie` decorates `request.cookies` (null until its onRequest hook ran).
    const cookies = (request as { cookies?: unknown }).cookies;
    return typeof cookies === 'object' && cookies !== null
      ? (cookies as Record<string, unknown>)
      : undefined;
  },
  socket: (request) => request.raw.socket,
};
