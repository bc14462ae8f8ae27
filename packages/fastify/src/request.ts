import type { RequestReader } from '@tokenguard/core/adapter';
import type { FastifyRequest } from 'fastify';

/**
 * How core reads a Fastify request (`@tokenguard/core/adapter`'s `requestView()`): the protocol
 * and Host as Fastify's `trustProxy` resolves them (`request.protocol`, `request.host`:
 * X-Forwarded-Proto/Host only from a trusted proxy), the path as received, the parsed body and
 * the TLS socket. Core reads the URL parts only for a query token or the DPoP `htu`, builds the
 * URL from them (or from the guard's `publicUrl`) and validates the Host. Node keeps only the
 * first `Authorization` header in `headers`; `rawHeaders` lets core see a second one.
 */
export const fastifyReader: RequestReader<FastifyRequest> = {
  method: (request) => request.method,
  headers: (request) => request.headers,
  rawHeaders: (request) => request.raw.rawHeaders,
  protocol: (request) => request.protocol,
  host: (request) => request.host,
  path: (request) => request.url,
  body: (request) => request.body as unknown,
  socket: (request) => request.raw.socket,
};
