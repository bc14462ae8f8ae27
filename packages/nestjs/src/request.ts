import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestView } from '@tokenguard/core';
import { mergeResponseHeader, type RequestReader, requestView } from '@tokenguard/core/adapter';

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
  /** What `cookie-parser` read, when the application uses it. */
  cookies?: unknown;
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
  /** What `@fastify/cookie` read, when the application registered it. */
  cookies?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** The cookies a platform's cookie parser read, or `undefined` (core then parses the header). */
const parsedCookies = (request: { cookies?: unknown }): Record<string, unknown> | undefined =>
  isObject(request.cookies) ? request.cookies : undefined;

function isFastifyRequest(request: object): request is FastifyRequest {
  const raw = (request as { raw?: unknown }).raw;
  return isObject(raw) && Array.isArray(raw.rawHeaders);
}

function isExpressRequest(request: object): request is ExpressRequest {
  const req = request as Partial<ExpressRequest>;
  return typeof req.originalUrl === 'string' && typeof req.protocol === 'string';
}

/**
 * How core reads each kind of request a platform hands a guard (`@tokenguard/core/adapter`'s
 * `requestView()`). The protocol and Host are what the platform resolved with its own
 * trust-proxy setting — Express's `req.protocol` / `req.host`, Fastify's `request.protocol` /
 * `request.host`: reading X-Forwarded-* here ourselves would trust every client, while the
 * platform trusts only the proxies it was told about. Core reads them (and the path) only for a
 * query token or the DPoP `htu`, builds the URL (or takes the guard's `publicUrl`) and validates
 * the Host; the body, the cookies and the TLS client certificate only when it needs them. The
 * cookies are what `cookie-parser` (Express) or `@fastify/cookie` (Fastify) read when the
 * application uses one, else core parses the `Cookie` header.
 */
const fastifyReader: RequestReader<FastifyRequest> = {
  method: (request) => request.raw.method ?? request.method,
  headers: (request) => request.raw.headers,
  rawHeaders: (request) => request.raw.rawHeaders,
  protocol: (request) => request.protocol,
  host: (request) => request.host,
  path: (request) => request.originalUrl ?? request.url,
  body: (request) => request.body,
  cookies: parsedCookies,
  socket: (request) => request.raw.socket,
};

const expressReader: RequestReader<ExpressRequest> = {
  method: (req) => req.method,
  headers: (req) => req.headers,
  rawHeaders: (req) => req.rawHeaders,
  protocol: (req) => req.protocol,
  host: (req) => req.host,
  path: (req) => req.originalUrl,
  body: (req) => req.body,
  cookies: parsedCookies,
  socket: (req) => req.socket,
};

// A bare IncomingMessage (a WebSocket upgrade, say) knows no proxy: the connection's own
// protocol and the Host header.
const nodeReader: RequestReader<IncomingMessage> = {
  method: (node) => node.method ?? 'GET',
  headers: (node) => node.headers,
  rawHeaders: (node) => node.rawHeaders,
  protocol: (node) =>
    (node.socket as Partial<TLSSocket> | undefined)?.encrypted ? 'https' : 'http',
  host: (node) => node.headers.host,
  path: (node) => node.url ?? '/',
  body: (node) => (node as { body?: unknown }).body,
  socket: (node) => node.socket,
};

/**
 * How core reads the request a platform gives a guard — an Express request, a `FastifyRequest`,
 * or a plain Node `IncomingMessage`.
 */
export function readerFor(request: object): RequestReader<object> {
  if (isFastifyRequest(request)) return fastifyReader as RequestReader<object>;
  if (isExpressRequest(request)) return expressReader as RequestReader<object>;
  return nodeReader as RequestReader<object>;
}

/** The request a platform gives a guard as core's request view. */
export function toRequestView(request: object): RequestView {
  return requestView(request, readerFor(request));
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
