import { InvalidRequestError } from '../errors.js';
import type { IncomingRequest } from '../request.js';

/** The first value of cookie `name` in a `Cookie` header, and how many times the name occurs. */
function scanCookieHeader(
  header: string,
  name: string,
): { value: string | undefined; count: number } {
  let value: string | undefined;
  let count = 0;
  // Most requests carry no cookie of this name: one search answers for them.
  if (!header.includes(name)) return { value, count };
  // RFC 6265 §4.2.1: cookie-pair *( ";" SP cookie-pair ), read as leniently as browsers and the
  // frameworks' parsers read it (optional whitespace around names and values).
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    count++;
    value ??= pair.slice(eq + 1).trim();
  }
  return { value, count };
}

/** A raw cookie value as the `cookie` package reads it: without DQUOTEs, percent-decoded. */
function cookieValue(raw: string): string {
  let value = raw;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The value of cookie `name`, or `undefined` when the request has none. The framework's parsed
 * cookies (`request.cookies`, from cookie-parser or `@fastify/cookie`) are used when a parser ran;
 * otherwise the `Cookie` header is parsed here, the same way (quotes stripped, percent-decoded).
 * Either way the header is scanned for a second cookie of that name, which the frameworks'
 * parsers drop silently: two tokens where one is expected (say, one planted by a sibling
 * subdomain) are ambiguous, a 400 `invalid_request`, as two `Authorization` headers are.
 */
export function readCookie(request: IncomingRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  const { value, count } = scanCookieHeader(
    header === undefined ? '' : typeof header === 'string' ? header : header.join('; '),
    name,
  );
  if (count > 1) throw new InvalidRequestError('request.duplicate_cookie');
  const parsed = request.cookies;
  if (typeof parsed === 'object' && parsed !== null) {
    if (!Object.hasOwn(parsed, name)) return undefined;
    const fromFramework = parsed[name];
    // cookie-parser turns `j:…` values into JSON: not a token.
    if (typeof fromFramework !== 'string') throw new InvalidRequestError('request.token_malformed');
    return fromFramework;
  }
  return value === undefined ? undefined : cookieValue(value);
}
