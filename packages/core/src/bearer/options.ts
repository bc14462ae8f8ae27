import { fail } from '../lib/validate.js';

/**
 * Where a client may put its access token: the `Authorization` header (RFC 6750 §2.1), the form
 * body (§2.2), the `access_token` query parameter (§2.3), or a cookie of this name. Only `header`
 * is on by default; a cookie is read only when one is named here.
 *
 * A cookie is sent by the browser with every request to the API, whoever triggered it: name a
 * cookie only for a same-site web client calling its own API, set it `HttpOnly; Secure;
 * SameSite=Strict` (or `Lax`) with the `__Host-` prefix, and never use it for a cross-site client
 * — there, a cookie token is open to cross-site request forgery.
 *
 * @example
 * ```ts
 * createTokenGuard({ issuer, audience, tokenLocations: ['header', { cookie: '__Host-access_token' }] });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1.1
 */
export type TokenLocation = 'header' | 'query' | 'body' | { readonly cookie: string };

/** Where the guard looks for credentials, and how long a token may be. */
export interface ExtractSettings {
  readonly locations: {
    header: boolean;
    query: boolean;
    body: boolean;
    /** The name of the cookie that may carry the token, when one is configured. */
    cookie?: string;
  };
  readonly maxTokenLength: number;
}

// RFC 6265 §4.1.1: cookie-name = token (RFC 9110 §5.6.2 tchar).
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function cookieLocation(location: object): string {
  const keys = Object.keys(location);
  const name = (location as { cookie?: unknown }).cookie;
  if (keys.length !== 1 || keys[0] !== 'cookie') {
    fail('"tokenLocations" entries are "header", "query", "body" or { cookie: "<name>" }');
  }
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    fail(
      '"tokenLocations[].cookie" must be a cookie name (RFC 6265 token characters), e.g. "__Host-access_token"',
    );
  }
  return name as string;
}

/** Validates `tokenLocations` and `maxTokenLength` (a `TypeError` naming the option). */
export function resolveExtract(options: {
  tokenLocations?: readonly TokenLocation[];
  maxTokenLength?: number;
}): ExtractSettings {
  const maxTokenLength = options.maxTokenLength ?? 8192;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16 || maxTokenLength > 16 * 1024) {
    fail('"maxTokenLength" must be an integer between 16 and 16384');
  }
  const locationList = options.tokenLocations ?? ['header'];
  if (!Array.isArray(locationList) || locationList.length === 0)
    fail('"tokenLocations" must be a non-empty array');
  const locations: ExtractSettings['locations'] = { header: false, query: false, body: false };
  for (const location of locationList as unknown[]) {
    if (typeof location === 'object' && location !== null) {
      if (locations.cookie !== undefined) fail('"tokenLocations" may name one cookie only');
      locations.cookie = cookieLocation(location);
    } else if (location === 'header' || location === 'query' || location === 'body') {
      locations[location] = true;
    } else {
      fail('"tokenLocations" may only contain "header", "query", "body" and { cookie: "<name>" }');
    }
  }
  return { locations, maxTokenLength };
}
