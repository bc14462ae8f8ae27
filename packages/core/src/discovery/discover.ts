import { excerpt } from '../lib/excerpt.js';
import type { HttpClient } from '../lib/http-client.js';
import { UpstreamError } from '../lib/http-client.js';

/** The members of RFC 8414 / OpenID Connect discovery metadata tokenguard uses. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  [member: string]: unknown;
}

/**
 * The discovery URLs for an issuer, in the order tried: RFC 8414 §3.1 inserts the well-known
 * segment between host and path; OpenID Connect Discovery 1.0 §4 appends it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const origin = url.origin;
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * Fetches the issuer's metadata: RFC 8414 first, then OpenID Connect discovery. The document's
 * `issuer` must equal the configured issuer exactly (RFC 8414 §3.3), or it is not used.
 */
export async function discover(
  http: HttpClient,
  issuer: string,
  options: { timeout: number; maxResponseSize: number },
): Promise<IssuerMetadata> {
  let lastError: unknown;
  let mismatch: UpstreamError | undefined;
  for (const url of discoveryUrls(issuer)) {
    try {
      const doc = await http.getJson(url, options);
      if (doc.issuer !== issuer) {
        // Most often a trailing slash: say what the document names, the fix is in the options.
        mismatch ??= new UpstreamError('invalid_json', undefined, {
          url,
          details: { field: 'issuer', expected: issuer, actual: excerpt(doc.issuer) },
        });
        continue;
      }
      return doc as IssuerMetadata;
    } catch (error) {
      lastError = error;
      // A timeout means the server is slow, not that this document is missing: do not spend
      // a second deadline on the other URL.
      if (error instanceof UpstreamError && error.failure === 'timeout') break;
    }
  }
  if (mismatch !== undefined) throw mismatch;
  throw lastError instanceof UpstreamError ? lastError : new UpstreamError('network');
}
