import { InvalidRequestError, InvalidTokenError } from '../errors.js';
import { isJwsShaped } from '../jws/parse.js';
import { isJsonObject } from '../lib/json.js';
import { requestUrl } from '../public-url.js';
import type { IncomingRequest } from '../request.js';
import { readCookie } from './cookie.js';
import type { ExtractSettings } from './options.js';

/** A token and how it arrived. */
export interface ExtractedToken {
  token: string;
  scheme: 'Bearer' | 'DPoP';
  location: 'header' | 'query' | 'body' | 'cookie';
  /**
   * A header token whose length and charset are not checked yet ({@link checkToken}): the guard
   * checks it only when it is not in the verified-token cache, where every token was checked.
   */
  unchecked?: true;
}

/** Which credentials the guard looks for. */
export interface ExtractOptions extends ExtractSettings {
  /** `DPoP` scheme accepted (DPoP enabled). */
  readonly dpop: boolean;
  /** The guard's `publicUrl`: what a query token's request URL is built from, when set. */
  readonly publicUrl?: URL;
}

// RFC 6750 §2.1 b64token (RFC 7235 token68).
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function countAuthorization(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name !== undefined && name.length === 13 && startsWithLower(name, 'authorization')) count++;
  }
  return count;
}

/**
 * Checks a token's length and charset (RFC 6750 §2.1 b64token): `InvalidTokenError` for one over
 * `maxTokenLength`, `InvalidRequestError` (400) for a malformed one. Returns whether it has the
 * compact JWS shape, which implies the charset (base64url and dots), so a JWT is scanned once.
 */
export function checkToken(token: string, maxTokenLength: number): boolean {
  // Before any decoding, so an oversized token costs nothing and reaches nothing upstream.
  if (token.length > maxTokenLength) throw new InvalidTokenError('request.token_too_long');
  if (isJwsShaped(token)) return true;
  if (!TOKEN68.test(token)) {
    throw new InvalidRequestError('request.token_malformed');
  }
  return false;
}

function fromHeader(
  request: IncomingRequest,
  options: ExtractOptions,
  defer: boolean,
): ExtractedToken | undefined {
  const value = request.headers.authorization;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (value.length > 1) throw new InvalidRequestError('request.duplicate_authorization');
    return value.length === 1 ? parseAuthorization(value[0] as string, options, defer) : undefined;
  }
  if (request.rawHeaders !== undefined && countAuthorization(request.rawHeaders) > 1) {
    throw new InvalidRequestError('request.duplicate_authorization');
  }
  return parseAuthorization(value, options, defer);
}

/**
 * The scheme of an `Authorization` value when it is one this guard accepts, and where the scheme
 * name ends; `undefined` for another scheme (`Basic`, `Bearerx`, DPoP when it is off).
 */
function knownScheme(
  value: string,
  options: Pick<ExtractOptions, 'dpop'>,
): 'Bearer' | 'DPoP' | undefined {
  // The scheme is a token (RFC 9110 §5.6.2); a longer token that starts like ours is another one.
  let end = 0;
  while (end < value.length && isTchar(value.charCodeAt(end))) end++;
  if (end === 6 && startsWithLower(value, 'bearer')) return 'Bearer';
  if (end === 4 && options.dpop && startsWithLower(value, 'dpop')) return 'DPoP';
  return undefined;
}

/**
 * Whether `value` starts with `lower` (ASCII letters only) in any case, without the copy
 * `toLowerCase()` makes.
 */
export function startsWithLower(value: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    // Setting 0x20 lower-cases an ASCII letter; every tchar it could alias is not a letter.
    if ((value.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

// RFC 9110 §5.6.2 tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
// / "`" / "|" / "~" / DIGIT / ALPHA.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[c.charCodeAt(0)] = 1;
}
function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

function parseAuthorization(
  value: string,
  options: ExtractOptions,
  defer: boolean,
): ExtractedToken | undefined {
  const scheme = knownScheme(value, options);
  // Another scheme (Basic, Digest, DPoP when it is off) carries no credentials we accept.
  if (scheme === undefined) return undefined;
  // RFC 7235 §2.1: credentials = auth-scheme [ 1*SP token68 ]. Our scheme followed by anything but
  // spaces (a tab, a comma) or by nothing is a malformed request, not another scheme.
  let start = scheme.length;
  if (value.charCodeAt(start) !== 32)
    throw new InvalidRequestError('request.authorization_malformed');
  while (value.charCodeAt(start) === 32) start++;
  const token = value.slice(start);
  if (token.length === 0) throw new InvalidRequestError('request.authorization_malformed');
  if (defer) return { token, scheme, location: 'header', unchecked: true };
  checkToken(token, options.maxTokenLength);
  return { token, scheme, location: 'header' };
}

/**
 * The scheme of the request's one `Authorization` header when it names a scheme this guard accepts,
 * else `undefined` (no header, two headers, another scheme). For a request that failed before its
 * credentials were extracted: its `error` goes on that scheme's challenge, or on all of them when
 * the scheme is not known. Not on the hot path.
 */
export function authorizationScheme(
  request: Pick<IncomingRequest, 'headers' | 'rawHeaders'>,
  options: Pick<ExtractOptions, 'dpop'>,
): 'Bearer' | 'DPoP' | undefined {
  let value = request.headers.authorization;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (value.length !== 1) return undefined;
    value = value[0] as string;
  } else if (request.rawHeaders !== undefined && countAuthorization(request.rawHeaders) > 1) {
    return undefined;
  }
  return knownScheme(value, options);
}

function fromQuery(request: IncomingRequest, options: ExtractOptions): ExtractedToken | undefined {
  const url = requestUrl(request, options.publicUrl);
  const q = url.indexOf('?');
  if (q === -1 || !url.includes('access_token', q)) return undefined;
  const hash = url.indexOf('#', q);
  const params = new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash));
  const values = params.getAll('access_token');
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidRequestError('request.duplicate_query_token');
  const token = values[0] as string;
  if (token.length === 0) throw new InvalidRequestError('request.token_malformed');
  checkToken(token, options.maxTokenLength);
  return { token, scheme: 'Bearer', location: 'query' };
}

function fromBody(request: IncomingRequest, options: ExtractOptions): ExtractedToken | undefined {
  // RFC 6750 §2.2: only a form-encoded body of a method that has body semantics.
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const type = request.headers['content-type'];
  if (
    typeof type !== 'string' ||
    !type.toLowerCase().startsWith('application/x-www-form-urlencoded')
  ) {
    return undefined;
  }
  const body = request.body;
  if (!isJsonObject(body) || !Object.hasOwn(body, 'access_token')) return undefined;
  const value = body.access_token;
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError('request.token_malformed');
  }
  checkToken(value, options.maxTokenLength);
  return { token: value, scheme: 'Bearer', location: 'body' };
}

function fromCookie(
  request: IncomingRequest,
  name: string,
  options: ExtractOptions,
): ExtractedToken | undefined {
  const value = readCookie(request, name);
  // An emptied cookie (`name=`, what a logout often leaves behind) is no credentials.
  if (value === undefined || value.length === 0) return undefined;
  checkToken(value, options.maxTokenLength);
  return { token: value, scheme: 'Bearer', location: 'cookie' };
}

/**
 * Finds the access token in a request (RFC 6750 §2, RFC 9449 §7): the `Authorization` header
 * (`Bearer` or, with DPoP on, `DPoP`; scheme case-insensitive; token68 charset), and, when
 * enabled, the `access_token` query parameter or form body field, or the named cookie (a bearer
 * token, with the same charset and length rules).
 *
 * Returns `undefined` when there are no credentials this guard accepts (→ a bare 401). Throws
 * `InvalidRequestError` (400) for a malformed header, two `Authorization` headers, two cookies of
 * the configured name or more than one method at once, and `InvalidTokenError` for a token over
 * `maxTokenLength`. With `deferHeaderCheck`, a header token's length and charset are left to the
 * caller (`unchecked: true`, then {@link checkToken}).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function extractToken(
  request: IncomingRequest,
  options: ExtractOptions,
  deferHeaderCheck = false,
): ExtractedToken | undefined {
  const { locations } = options;
  const header = locations.header ? fromHeader(request, options, deferHeaderCheck) : undefined;
  const query = locations.query ? fromQuery(request, options) : undefined;
  const body = locations.body ? fromBody(request, options) : undefined;
  const cookie =
    locations.cookie === undefined ? undefined : fromCookie(request, locations.cookie, options);
  const found = (header ? 1 : 0) + (query ? 1 : 0) + (body ? 1 : 0) + (cookie ? 1 : 0);
  if (found > 1) throw new InvalidRequestError('request.multiple_methods');
  return header ?? query ?? body ?? cookie;
}
