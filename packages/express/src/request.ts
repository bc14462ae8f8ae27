import type { TLSSocket } from 'node:tls';
import type { ClientCertificate, TokenGuard, TokenRequest } from '@tokenguard/core';
import type { Request } from 'express';

type TrustFunction = (address: string | undefined, hop: number) => boolean;

/** What the mapper reads of a request; none of it depends on the route's parameter types. */
export type ExpressRequest = Pick<
  Request,
  | 'app'
  | 'body'
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

/**
 * The client certificate of a TLS connection Node terminated itself (`https.createServer` with
 * `requestCert: true`), for certificate-bound tokens (RFC 8705). Behind a TLS-terminating proxy
 * there is none here: core's `mtls.certificateHeader` reads it from the proxy's header instead.
 */
function peerCertificate(req: ExpressRequest): ClientCertificate | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') {
    return undefined;
  }
  const raw = socket.getPeerCertificate().raw as Buffer | undefined;
  return raw === undefined || raw.length === 0 ? undefined : { raw };
}

/**
 * An Express request as core's `TokenRequest`. The public URL is a lazy getter (core reads it only
 * for query tokens and DPoP `htu`), built by `guard.requestUrl()` from the trust-proxy aware
 * `req.protocol` and Host, or from the guard's `publicUrl`. `req.body` is read when core needs it
 * (`tokenLocations: ['body']`, after a body parser such as `express.urlencoded()`), and so is the
 * TLS client certificate (only for a certificate-bound token). A class, not an object literal
 * with getters: this runs on every request, and accessors on the prototype cost nothing per
 * request while an object literal allocates a closure for each.
 */
class ExpressTokenRequest implements TokenRequest {
  readonly method: string;
  readonly headers: ExpressRequest['headers'];
  readonly rawHeaders: readonly string[];
  readonly #guard: TokenGuard;
  readonly #req: ExpressRequest;
  #url: string | undefined;

  constructor(guard: TokenGuard, req: ExpressRequest) {
    this.method = req.method;
    this.headers = req.headers;
    this.rawHeaders = req.rawHeaders;
    this.#guard = guard;
    this.#req = req;
  }

  get url(): string {
    this.#url ??= this.#guard.requestUrl({
      protocol: this.#req.protocol,
      host: requestHost(this.#req),
      path: this.#req.originalUrl,
    });
    return this.#url;
  }

  get body(): unknown {
    return this.#req.body as unknown;
  }

  get clientCertificate(): ClientCertificate | undefined {
    return peerCertificate(this.#req);
  }
}

/** Maps an Express request to core's `TokenRequest` (see {@link ExpressTokenRequest}). */
export function toTokenRequest(guard: TokenGuard, req: ExpressRequest): TokenRequest {
  return new ExpressTokenRequest(guard, req);
}
