import { createHash, X509Certificate } from 'node:crypto';
import { InvalidTokenError } from '../errors.js';
import type { ClientCertificate, RequestHeaders } from '../request.js';
import type { ResolvedMtls } from './options.js';

/** The DER of a certificate passed by a proxy, or `undefined` when it is absent or unreadable. */
function certificateFromHeader(value: string | readonly string[] | undefined): Buffer | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 16_384) return undefined;
  let text = value;
  try {
    if (text.includes('%')) text = decodeURIComponent(text);
  } catch {
    return undefined;
  }
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text);
  const base64 = (pem ? pem[1] : text)?.replace(/\s+/g, '') ?? '';
  if (!/^[A-Za-z0-9+/]+=*$/.test(base64)) return undefined;
  return Buffer.from(base64, 'base64');
}

/** What the binding check reads of a request. */
interface CertificateSource {
  readonly headers: RequestHeaders;
  readonly clientCertificate?: ClientCertificate;
}

/** base64url(SHA-256(DER)) of the request's client certificate, or `undefined`. */
export function clientCertificateThumbprint(
  request: CertificateSource,
  settings: ResolvedMtls,
): string | undefined {
  let der: Uint8Array | undefined = request.clientCertificate?.raw;
  if ((der === undefined || der.length === 0) && settings.certificateHeader !== undefined) {
    der = certificateFromHeader(request.headers[settings.certificateHeader]);
  }
  if (der === undefined || der.length === 0) return undefined;
  try {
    // Parse it, so that bytes that are not a certificate never count as one.
    new X509Certificate(der);
  } catch {
    return undefined;
  }
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Checks a token's certificate binding: a token with `cnf["x5t#S256"]` needs a client certificate
 * with that SHA-256 thumbprint; with `required`, every token must be bound. Tokenguard never
 * accepts a certificate-bound token it cannot check.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function checkCertificateBinding(
  bound: string | undefined,
  request: CertificateSource,
  settings: ResolvedMtls | undefined,
): void {
  if (bound === undefined) {
    if (settings?.required) throw new InvalidTokenError('mtls.token_not_bound');
    return;
  }
  if (settings === undefined) throw new InvalidTokenError('mtls.not_configured');
  const thumbprint = clientCertificateThumbprint(request, settings);
  if (thumbprint === undefined) throw new InvalidTokenError('mtls.certificate_missing');
  if (thumbprint !== bound) throw new InvalidTokenError('mtls.certificate_mismatch');
}
