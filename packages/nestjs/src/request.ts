import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  type ClientCertificate,
  type TokenGuard as CoreTokenGuard,
  mergeResponseHeader,
  type TokenRequest,
} from '@tokenguard/core';

// Structural types: this package depends on neither Express nor Fastify. What each platform hands a
// guard as `switchToHttp().getRequest()`:

/** The parts of an Express request (Nest's Express platform) the guard reads. */
interface ExpressRequest {
  method: string;
  originalUrl: string;
  /** `http` or `https`, as Express's `trust proxy` setting resolves it. */
  protocol: string;
  /** Express 5: the Host (with its port) as `trust proxy` resolves it (X-Forwarded-Host). */
  host?: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  socket: IncomingMessage['socket'];
  body?: unknown;
}

/** The parts of a `FastifyRequest` (Nest's Fastify platform) the guard reads. */
interface FastifyRequest {
  raw: IncomingMessage;
  method: string;
  url: string;
  /** The URL the client sent, before a `rewriteUrl`. */
  originalUrl?: string;
  /** `http` or `https`, as Fastify's `trustProxy` setting resolves it. */
  protocol: string;
  /** The Host (with its port) as `trustProxy` resolves it (X-Forwarded-Host). */
  host: string;
  headers: IncomingHttpHeaders;
  body?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function isFastifyRequest(request: object): request is FastifyRequest {
  const raw = (request as { raw?: unknown }).raw;
  return isObject(raw) && Array.isArray(raw.rawHeaders);
}

function isExpressRequest(request: object): request is ExpressRequest {
  const req = request as Partial<ExpressRequest>;
  return typeof req.originalUrl === 'string' && typeof req.protocol === 'string';
}

/**
 * The client certificate of a TLS connection Node terminated itself (`httpsOptions` with
 * `requestCert: true`), for certificate-bound tokens (RFC 8705). Behind a TLS-terminating proxy
 * there is none: core's `mtls.certificateHeader` reads it from the proxy's header instead.
 */
function peerCertificate(
  socket: IncomingMessage['socket'] | undefined,
): ClientCertificate | undefined {
  const tls = socket as Partial<TLSSocket> | undefined;
  if (tls?.encrypted !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const raw = tls.getPeerCertificate().raw as Buffer | undefined;
  return raw === undefined || raw.length === 0 ? undefined : { raw };
}

/**
 * Maps the request a platform gives a guard to core's `TokenRequest`: an Express request, a
 * `FastifyRequest`, or a plain Node `IncomingMessage` (a WebSocket upgrade, say).
 *
 * The public URL is a lazy getter: core reads it only for query tokens and the DPoP `htu`. It is
 * built by `guard.requestUrl()` (which prefers the guard's `publicUrl` and validates the Host)
 * from the protocol and Host the platform resolved with its own trust-proxy setting: Express's
 * `req.protocol` / `req.host`, Fastify's `request.protocol` / `request.host`. Reading
 * X-Forwarded-* here ourselves would trust every client; the platform trusts only the proxies it
 * was told about. The body (for `tokenLocations: ['body']`) and the TLS client certificate (for
 * certificate-bound tokens) are read when core asks for them.
 */
export function toTokenRequest(guard: CoreTokenGuard, request: object): TokenRequest {
  let parts: () => { protocol: string; host: string | undefined; path: string };
  let node: IncomingMessage;
  let body: () => unknown;
  if (isFastifyRequest(request)) {
    node = request.raw;
    parts = () => ({
      protocol: request.protocol,
      host: request.host,
      path: request.originalUrl ?? request.url,
    });
    body = () => request.body;
  } else if (isExpressRequest(request)) {
    node = request as unknown as IncomingMessage;
    parts = () => ({ protocol: request.protocol, host: request.host, path: request.originalUrl });
    body = () => request.body;
  } else {
    // A bare IncomingMessage knows no proxy: the connection's own protocol and the Host header.
    node = request as IncomingMessage;
    parts = () => ({
      protocol: (node.socket as Partial<TLSSocket> | undefined)?.encrypted ? 'https' : 'http',
      host: node.headers.host,
      path: node.url ?? '/',
    });
    body = () => (node as { body?: unknown }).body;
  }
  let url: string | undefined;
  return {
    method: node.method ?? (request as { method?: string }).method ?? 'GET',
    get url() {
      url ??= guard.requestUrl(parts());
      return url;
    },
    headers: node.headers,
    rawHeaders: node.rawHeaders,
    get body() {
      return body();
    },
    get clientCertificate() {
      return peerCertificate(node.socket);
    },
  };
}

/** What the guard needs of a response: Fastify's reply, or Node's (and Express's) response. */
interface HeaderTarget {
  sent: boolean;
  get(name: string): unknown;
  set(name: string, value: string): void;
}

function headerTarget(response: object): HeaderTarget | undefined {
  const res = response as Record<string, unknown>;
  if (
    isObject(res.raw) &&
    typeof res.header === 'function' &&
    typeof res.getHeader === 'function'
  ) {
    // A FastifyReply: its own headers are what reply.send() writes (and where @fastify/cors put
    // its headers), so they are read and written there.
    const reply = res as {
      sent: boolean;
      raw: { headersSent: boolean };
      getHeader(name: string): unknown;
      header(name: string, value: string): void;
    };
    return {
      sent: reply.sent || reply.raw.headersSent,
      get: (name) => reply.getHeader(name),
      set: (name, value) => reply.header(name, value),
    };
  }
  if (typeof res.setHeader === 'function' && typeof res.getHeader === 'function') {
    const node = res as {
      headersSent: boolean;
      getHeader(name: string): unknown;
      setHeader(name: string, value: string): void;
    };
    return {
      sent: node.headersSent,
      get: (name) => node.getHeader(name),
      set: (name, value) => node.setHeader(name, value),
    };
  }
  return undefined;
}

/**
 * Sets core's response headers (`WWW-Authenticate`, `Retry-After`, `DPoP-Nonce`, …) on a Fastify
 * reply or a Node/Express response, unless it was already sent. `Access-Control-Expose-Headers` is
 * merged with what a CORS handler already set, so neither list loses its names.
 */
export function setResponseHeaders(
  response: object | undefined,
  headers: Readonly<Record<string, string>>,
): void {
  const target = response === undefined ? undefined : headerTarget(response);
  if (target === undefined || target.sent) return;
  for (const name of Object.keys(headers)) {
    const value = headers[name] as string;
    target.set(name, mergeResponseHeader(name, target.get(name), value));
  }
}
