import type { Socket } from 'node:net';
import type { ClientCertificate, RequestHeaders, RequestView } from '@tokenguard/core';
import { peerCertificate } from './peer-certificate.js';

/**
 * How an adapter reads its framework's request: one reader per adapter (or per kind of request),
 * shared by every request, so that a view costs one small object and no closure per request.
 * `protocol` and `host` must be what the framework resolved behind the proxies it was told to
 * trust (Express's `req.protocol` / `req.host`, Fastify's `request.protocol` / `request.host`):
 * reading `X-Forwarded-*` here would trust every client.
 *
 * @example
 * ```ts
 * const reader: RequestReader<Request> = {
 *   method: (req) => req.method,
 *   headers: (req) => req.headers,
 *   rawHeaders: (req) => req.rawHeaders,
 *   protocol: (req) => req.protocol,
 *   host: (req) => req.host,
 *   path: (req) => req.originalUrl,
 *   body: (req) => req.body,
 *   socket: (req) => req.socket,
 * };
 * ```
 */
export interface RequestReader<R> {
  method(request: R): string;
  headers(request: R): RequestHeaders;
  rawHeaders(request: R): readonly string[] | undefined;
  /** `http` or `https`, with or without the trailing colon. */
  protocol(request: R): string;
  /** The host and optional port the client addressed. */
  host(request: R): string | undefined;
  /** The path and query as received. */
  path(request: R): string;
  /** The parsed form body, for `tokenLocations: ['body']`. */
  body(request: R): unknown;
  /**
   * The cookies the framework's cookie parser read (cookie-parser's `req.cookies`,
   * `@fastify/cookie`'s `request.cookies`), or `undefined` when none ran: core then parses the
   * `Cookie` header itself. Read only for a cookie in `tokenLocations`. Optional.
   */
  cookies?(request: R): Readonly<Record<string, unknown>> | undefined;
  /** The connection, for the TLS client certificate. */
  socket(request: R): Socket | undefined;
}

/**
 * A framework request as core's {@link RequestView}: the method and headers read once, everything
 * else read when core needs it — the protocol, Host and path only for a query token or the DPoP
 * `htu`, the body only for a body token, the parsed cookies only for a cookie token, the client
 * certificate only for a certificate-bound token. Core builds and validates the public URL itself (or takes the guard's `publicUrl`).
 */
export class ReaderView<R> implements RequestView {
  readonly method: string;
  readonly headers: RequestHeaders;
  readonly rawHeaders: readonly string[] | undefined;
  readonly #request: R;
  readonly #reader: RequestReader<R>;

  constructor(request: R, reader: RequestReader<R>) {
    this.method = reader.method(request);
    this.headers = reader.headers(request);
    this.rawHeaders = reader.rawHeaders(request);
    this.#request = request;
    this.#reader = reader;
  }

  get protocol(): string {
    return this.#reader.protocol(this.#request);
  }

  get host(): string | undefined {
    return this.#reader.host(this.#request);
  }

  get path(): string {
    return this.#reader.path(this.#request);
  }

  get body(): unknown {
    return this.#reader.body(this.#request);
  }

  get cookies(): Readonly<Record<string, unknown>> | undefined {
    return this.#reader.cookies?.(this.#request) ?? undefined;
  }

  get clientCertificate(): ClientCertificate | undefined {
    return peerCertificate(this.#reader.socket(this.#request));
  }
}

/**
 * Core's view of a framework request, read through the adapter's {@link RequestReader}: what
 * `guard.authenticate()` takes.
 *
 * @example
 * ```ts
 * const auth = await guard.authenticate(requestView(req, reader), { scopes: ['orders:read'] });
 * ```
 */
export function requestView<R>(request: R, reader: RequestReader<R>): RequestView {
  return new ReaderView(request, reader);
}
