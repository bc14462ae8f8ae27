import type { TLSSocket } from 'node:tls';
import type { ClientCertificate, TokenGuard, TokenRequest } from '@tokenguard/core';
import type { FastifyRequest } from 'fastify';

/**
 * The client certificate of a TLS connection Node terminated itself, for certificate-bound tokens
 * (RFC 8705). Behind a TLS-terminating proxy there is none: core's `mtls.certificateHeader` reads
 * it from the proxy's header instead.
 */
function peerCertificate(request: FastifyRequest): ClientCertificate | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function')
    return undefined;
  const raw = socket.getPeerCertificate().raw as Buffer | undefined;
  return raw === undefined || raw.length === 0 ? undefined : { raw };
}

/**
 * Maps a Fastify request to core's `TokenRequest`. The public URL is a lazy getter, built by
 * `guard.requestUrl()` from `request.protocol` and `request.host`, which honour Fastify's
 * `trustProxy` (X-Forwarded-Proto/Host only from a trusted proxy), or from the guard's
 * `publicUrl`; core validates the Host. Node keeps only the first `Authorization` header in
 * `headers`; `rawHeaders` lets core see a second one.
 */
export function toTokenRequest(guard: TokenGuard, request: FastifyRequest): TokenRequest {
  let url: string | undefined;
  return {
    method: request.method,
    get url() {
      url ??= guard.requestUrl({
        protocol: request.protocol,
        host: request.host,
        path: request.url,
      });
      return url;
    },
    headers: request.headers,
    rawHeaders: request.raw.rawHeaders,
    get body() {
      return request.body as unknown;
    },
    get clientCertificate() {
      return peerCertificate(request);
    },
  };
}
