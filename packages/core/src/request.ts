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
  /** The TLS client certificate (`socket.getPeerCertificate()` or from a trusted proxy), for mTLS-bound tokens. */
  clientCertificate?: ClientCertificate;
}

/** The parts of a TLS client certificate core needs. */
export interface ClientCertificate {
  /** The DER encoding of the certificate. */
  raw: Uint8Array;
}

/** Reads a single-valued header; an array (several headers) yields the array. */
export function header(
  headers: RequestHeaders,
  name: string,
): string | readonly string[] | undefined {
  return headers[name];
}
