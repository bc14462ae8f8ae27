import type { Socket } from 'node:net';
import type { RequestHeaders, RequestView } from '@tokenguard/core';
import { type RequestReader, requestView } from '@tokenguard/core/adapter';

/**
 * What a server knows about a request beyond the `Request` object, for the few checks that need
 * it. Every member is optional: a fetch handler on Bun, Deno or an edge platform has none of them.
 *
 * @example
 * ```ts
 * // @hono/node-server hands the Node request over: exact duplicate-header detection and mTLS.
 * const context: RequestContext = { rawHeaders: incoming.rawHeaders, socket: incoming.socket };
 * ```
 */
export interface RequestContext {
  /**
   * Node's `rawHeaders` of the request (name, value, …), when the server has them: a repeated
   * `Authorization` or `DPoP` header is then counted exactly, instead of being recognised in the
   * comma-joined value a `Headers` object holds.
   */
  rawHeaders?: readonly string[] | undefined;
  /** The TLS socket Node terminated, for the client certificate of mTLS-bound tokens (RFC 8705). */
  socket?: Socket | undefined;
  /**
   * The parsed `application/x-www-form-urlencoded` body, for `tokenLocations: ['body']`. A
   * `Request` body can be read once, so tokenguard never reads it: pass what your code parsed.
   */
  body?: Readonly<Record<string, unknown>> | undefined;
}

/** A `Request` and its {@link RequestContext}, as the reader below reads them. */
interface WebInput {
  readonly request: Request;
  readonly context: RequestContext | undefined;
}

// RFC 9110 §5.6.2 tchar.
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The `Authorization` header as core reads it. A `Headers` object joins repeated header lines
 * with ", " (Fetch standard), and an `Authorization` value holds one credential, so a join that
 * is followed by the start of another credential — a scheme name, then a space and something
 * other than "=" (an auth-param), or nothing — means the client sent the header more than once:
 * the parts go to core as a list, which refuses it (400) as it does for Node's repeated lines.
 * A single Digest header (`Digest a="1", b="2"`) stays one value. With `rawHeaders` core counts
 * the lines itself and the value is passed as it is.
 */
export function authorizationValues(value: string): string | string[] {
  if (!value.includes(', ')) return value;
  const parts: string[] = [];
  let start = 0;
  for (let at = value.indexOf(', '); at !== -1; at = value.indexOf(', ', at + 2)) {
    const rest = value.slice(at + 2);
    const space = rest.indexOf(' ');
    const scheme = space === -1 ? rest : rest.slice(0, space);
    const after = space === -1 ? '' : rest.slice(space).trimStart();
    if (TCHAR.test(scheme) && !after.startsWith('=') && !scheme.includes('=')) {
      parts.push(value.slice(start, at));
      start = at + 2;
    }
  }
  if (parts.length === 0) return value;
  parts.push(value.slice(start));
  return parts;
}

// One handler for every request: the proxy reads a `Headers` object by lower-case name, as core
// reads Node's `IncomingMessage.headers`. Nothing is copied; a name core never reads is never read.
const headersHandler: ProxyHandler<Headers> = {
  get(headers, name) {
    if (typeof name !== 'string') return undefined;
    const value = headers.get(name);
    if (value === null) return undefined;
    return name === 'authorization' ? authorizationValues(value) : value;
  },
  has: (headers, name) => typeof name === 'string' && headers.has(name),
  ownKeys: (headers) => [...headers.keys()],
  getOwnPropertyDescriptor(headers, name) {
    if (typeof name !== 'string' || !headers.has(name)) return undefined;
    return {
      value: headersHandler.get?.(headers, name, headers),
      enumerable: true,
      configurable: true,
    };
  },
  set: () => false,
  deleteProperty: () => false,
  defineProperty: () => false,
};

/** With the raw header lines at hand, core counts repeated lines itself: values pass unchanged. */
const rawHeadersHandler: ProxyHandler<Headers> = {
  ...headersHandler,
  get(headers, name) {
    if (typeof name !== 'string') return undefined;
    return headers.get(name) ?? undefined;
  },
};

function pathOf(url: string): string {
  // A Request's URL is absolute and serialized: its authority holds no "/", so the path (and
  // query) starts at the first "/" after "scheme://".
  const slash = url.indexOf('/', url.indexOf('://') + 3);
  if (slash !== -1) return url.slice(slash);
  const query = url.indexOf('?', url.indexOf('://') + 3);
  return query === -1 ? '/' : `/${url.slice(query)}`;
}

function hostOf(url: string): string {
  const start = url.indexOf('://') + 3;
  let end = start;
  while (end < url.length && url[end] !== '/' && url[end] !== '?' && url[end] !== '#') end++;
  return url.slice(start, end);
}

/**
 * How core reads a Web `Request`: the method; the headers by lower-case name (through a proxy,
 * nothing copied); the protocol from the request URL; the Host header the client sent (core
 * validates it: 400 when it is not a valid `host[:port]`), or the URL's host when there is none
 * (HTTP/2's `:authority`); the path and query from the request URL. `X-Forwarded-*` is never
 * read: behind a proxy, set the guard's `publicUrl`, from which core builds the URL instead.
 */
const webReader: RequestReader<WebInput> = {
  method: (input) => input.request.method,
  headers: (input) =>
    new Proxy(
      input.request.headers,
      input.context?.rawHeaders === undefined ? headersHandler : rawHeadersHandler,
    ) as unknown as RequestHeaders,
  rawHeaders: (input) => input.context?.rawHeaders,
  protocol: (input) => input.request.url.slice(0, input.request.url.indexOf(':')),
  host: (input) => input.request.headers.get('host') ?? hostOf(input.request.url),
  path: (input) => pathOf(input.request.url),
  body: (input) => input.context?.body,
  socket: (input) => input.context?.socket,
};

/**
 * Core's view of a Web `Request` (`guard.authenticate()` takes it): what `requireToken()` and the
 * Hono adapter authenticate. The URL parts are read only when core needs them (a query token, the
 * DPoP `htu`), and core builds the URL from them or from the guard's `publicUrl`.
 *
 * It does NOT read the body (pass a parsed form in `context.body` for `tokenLocations: ['body']`)
 * nor trust `X-Forwarded-*` headers.
 *
 * @example
 * ```ts
 * const auth = await guard.authenticate(webRequestView(request), { scopes: ['orders:read'] });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function webRequestView(request: Request, context?: RequestContext): RequestView {
  return requestView<WebInput>({ request, context }, webReader);
}
