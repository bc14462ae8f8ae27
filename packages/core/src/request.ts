/** Header values as Node's `IncomingMessage.headers` holds them: lower-case names. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A request as core sees it; an adapter maps its framework's request to this shape.
 *
 * @example
 * ```ts
 * const auth = await guard.authenticate({
 *   method: req.method,
 *   url: 'https://api.example.com/orders?page=2',
 *   headers: req.headers,
 *   rawHeaders: req.rawHeaders,
 * });
 * ```
 */
export interface TokenRequest {
  /** The HTTP method, upper-case. */
  method: string;
  /**
   * The public absolute URL of the request (what the client addressed; DPoP `htu` is compared
   * with it). May be a getter: core reads it only when it needs it.
   */
  readonly url: string;
  /** Headers with lower-case names. */
  headers: RequestHeaders;
  /**
   * Node's `rawHeaders` (name, value, name, value, …). Node keeps only the first of two
   * `Authorization` headers in `headers`; with `rawHeaders` core detects the second.
   */
  rawHeaders?: readonly string[];
  /** The parsed `application/x-www-form-urlencoded` body, for `tokenLocations: ['body']`. */
  body?: unknown;
  /**
   * The cookies a framework's cookie parser already read (cookie-parser's `req.cookies`,
   * `@fastify/cookie`'s `request.cookies`), for a cookie in `tokenLocations`. Without it core
   * parses the `Cookie` header itself.
   */
  cookies?: Readonly<Record<string, unknown>>;
  /** The TLS client certificate (`socket.getPeerCertificate()` or from a trusted proxy), for mTLS-bound tokens. */
  clientCertificate?: ClientCertificate;
}

/** The parts of a TLS client certificate core needs. */
export interface ClientCertificate {
  /** The DER encoding of the certificate. */
  raw: Uint8Array;
}

/**
 * A request as an adapter sees it: where it arrived, as its framework resolved it behind the
 * proxies it trusts. Core builds the public URL from these parts (or from the guard's `publicUrl`)
 * only when it needs it, for a query token or the DPoP `htu`, and validates the Host then (a 400
 * `invalid_request` when it is not a valid `host[:port]`). `body`, `cookies` and `clientCertificate` may be
 * getters: core reads them only when it needs them. `guard.authenticate()` takes it in place of
 * a {@link TokenRequest}; `@tokenguard/core/adapter`'s `requestView()` makes one from a framework's
 * request.
 *
 * @example
 * ```ts
 * const auth = await guard.authenticate({
 *   method: req.method,
 *   protocol: 'https',
 *   host: req.headers.host,
 *   path: req.url,
 *   headers: req.headers,
 *   rawHeaders: req.rawHeaders,
 * });
 * ```
 */
export interface RequestView {
  /** The HTTP method, upper-case. */
  readonly method: string;
  /** `http` or `https` (with or without the trailing colon). */
  readonly protocol: string;
  /** The host and optional port the client addressed (Host, or X-Forwarded-Host from a trusted proxy). */
  readonly host: string | undefined;
  /** The path and query as received (`req.originalUrl`, `request.url`). */
  readonly path: string;
  /** Headers with lower-case names. */
  readonly headers: RequestHeaders;
  /** Node's `rawHeaders`, so that core sees a second `Authorization` or `DPoP` header. */
  readonly rawHeaders?: readonly string[];
  /** The parsed `application/x-www-form-urlencoded` body, for `tokenLocations: ['body']`. */
  readonly body?: unknown;
  /**
   * The cookies the framework's cookie parser read, when one ran, for a cookie in
   * `tokenLocations`; without it core parses the `Cookie` header itself.
   */
  readonly cookies?: Readonly<Record<string, unknown>>;
  /** The TLS client certificate, for mTLS-bound tokens. */
  readonly clientCertificate?: ClientCertificate;
}

/** Either shape of request `guard.authenticate()` takes. Internal. */
export type IncomingRequest = TokenRequest | RequestView;
