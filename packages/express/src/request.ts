import type { RequestReader } from '@tokenguard/core/adapter';
import type { Request } from 'express';

type TrustFunction = (address: string | undefined, hop: number) => boolean;

/** What the mapper reads of a request; none of it depends on the route's parameter types. */
export type ExpressRequest = Pick<
  Request,
  | 'app'
  | 'body'
  | 'cookies'
  | 'get'
  | 'headers'
  | 'host'
  | 'method'
  | 'originalUrl'
  | 'protocol'
  | 'rawHeaders'
  | 'socket'
>;

/**
 * The Host (with its port) the client addressed, as Express's `trust proxy` setting resolves it:
 * `X-Forwarded-Host` only when the connecting proxy is trusted, else the `Host` header.
 *
 * Express 5's `req.host` is exactly that. Express 4's `req.host` is deprecated and returns
 * `req.hostname`, which drops the port, and a URL without its port would not match the DPoP
 * `htu` a client signed for `http://localhost:3000/…`. So on Express 4 the same resolution is
 * done here with the app's compiled trust function, the one `req.hostname` and `req.protocol`
 * use. The result is not trusted either way: core validates it (400 on a bad Host).
 */
export function requestHost(req: ExpressRequest): string | undefined {
  if (!isExpress4(req)) return req.host;
  const trust = req.app?.get('trust proxy fn') as TrustFunction | undefined;
  let host = req.get('X-Forwarded-Host');
  if (host === undefined || host === '' || trust?.(req.socket.remoteAddress, 0) !== true) {
    host = req.get('Host');
  } else if (host.includes(',')) {
    // Like Express: X-Forwarded-Host normally has one value; a list starts with the client's.
    host = host.slice(0, host.indexOf(',')).trimEnd();
  }
  return host === '' ? undefined : host;
}

// Express 4 still has `req.param()`, which Express 5 removed; reading the deprecated `req.host`
// to tell them apart would print a deprecation warning.
function isExpress4(req: ExpressRequest): boolean {
  return typeof (req as unknown as { param?: unknown }).param === 'function';
}

/** `req.cookies` when cookie-parser (or another parser) filled it in. */
function parsedCookies(cookies: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof cookies === 'object' && cookies !== null
    ? (cookies as Record<string, unknown>)
    : undefined;
}

/**
 * How core reads an Express request (`@tokenguard/core/adapter`'s `requestView()`): the protocol
 * and Host as Express's `trust proxy` setting resolves them (`req.protocol`, {@link requestHost}),
 * the path as received (`req.originalUrl`, unchanged by mounting), the body a body parser such as
 * `express.urlencoded()` left (for `tokenLocations: ['body']`), the cookies `cookie-parser` left
 * in `req.cookies` when it runs before the guard (without it core parses the `Cookie` header; for
 * a cookie in `tokenLocations`) and the TLS socket. Core reads the
 * URL parts only for a query token or the DPoP `htu`, builds the URL from them (or from the
 * guard's `publicUrl`) and validates the Host (400 on a bad one).
 */
export const expressReader: RequestReader<ExpressRequest> = {
  method: (req) => req.method,
  headers: (req) => req.headers,
  rawHeaders: (req) => req.rawHeaders,
  protocol: (req) => req.protocol,
  host: requestHost,
  path: (req) => req.originalUrl,
  body: (req) => req.body as unknown,
  cookies: (req) => parsedCookies(req.cookies),
  socket: (req) => req.socket,
};
