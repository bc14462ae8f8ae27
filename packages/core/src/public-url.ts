import { InvalidRequestError } from './errors.js';
import { checkUrl, fail } from './lib/validate.js';
import type { RequestView, TokenRequest } from './request.js';

/** What an adapter knows about where a request arrived, after its framework's proxy handling. */
export interface RequestUrlParts {
  /** `http` or `https` (with or without the trailing colon). */
  protocol: string;
  /** The host and optional port, as the framework resolved it (Host or X-Forwarded-Host). */
  host: string | undefined;
  /** The path and query as received (`req.originalUrl`, `request.url`). */
  path: string;
}

// A registered name, an IPv4 address or a bracketed IPv6 address, and an optional port. No
// userinfo, path, query, fragment or whitespace can pass, so a crafted Host cannot make the URL
// (and the DPoP `htu` it is compared with) point anywhere else.
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Whether `host` is a syntactically valid `host[:port]`: a registered name, an IPv4 address or a
 * bracketed IPv6 address, and an optional port; no userinfo, path, query or whitespace.
 *
 * @example
 * ```ts
 * isValidHost('api.example.com:8443'); // true
 * isValidHost('evil.example/path'); // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.2
 */
export function isValidHost(host: string): boolean {
  return host.length <= 261 && HOST.test(host);
}

/**
 * The public absolute URL of a request: from a configured `publicUrl` base (origin and path
 * prefix) when there is one, else from the protocol and Host the framework resolved. An invalid
 * Host is a 400 `invalid_request`.
 */
export function buildRequestUrl(parts: RequestUrlParts, publicUrl: URL | undefined): string {
  const received = parts.path;
  const path = received.startsWith('/') ? received : `/${received}`;
  if (publicUrl !== undefined) {
    const prefix = publicUrl.pathname === '/' ? '' : publicUrl.pathname.replace(/\/$/, '');
    return `${publicUrl.origin}${prefix}${path}`;
  }
  const host = parts.host;
  if (host === undefined || !isValidHost(host)) {
    throw new InvalidRequestError('request.host_invalid', 'The Host header is invalid');
  }
  const protocol = parts.protocol.replace(/:$/, '').toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') {
    throw new InvalidRequestError('request.protocol_invalid');
  }
  return `${protocol}://${host}${path}`;
}

/**
 * The public absolute URL of a request: a {@link TokenRequest}'s own `url`, or built from a
 * {@link RequestView}'s parts (see {@link buildRequestUrl}). Read only when a query token or a
 * DPoP `htu` needs it.
 */
export function requestUrl(
  request: TokenRequest | RequestView,
  publicUrl: URL | undefined,
): string {
  return 'url' in request ? request.url : buildRequestUrl(request, publicUrl);
}

export function resolvePublicUrl(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail('"publicUrl" must be a URL string');
  const url = checkUrl(value as string, 'publicUrl', true);
  if (url.search || url.hash || url.username || url.password) {
    fail(
      '"publicUrl" must be an origin with an optional path, without query, fragment or credentials',
    );
  }
  return url;
}
