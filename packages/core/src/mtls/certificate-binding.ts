import { createHash, X509Certificate } from 'node:crypto';
import { InvalidTokenError } from '../errors.js';
import type { TokenRequest } from '../request.js';

/**
 * Certificate-bound access tokens (RFC 8705 §3).
 *
 * @example
 * ```ts
 * // TLS terminated by Node itself (requestCert: true): adapters hand over the peer certificate.
 * createTokenGuard({ issuer, audience, mtls: { required: true } });
 * // TLS terminated by a proxy that strips this header from clients and sets it:
 * createTokenGuard({ issuer, audience, mtls: { certificateHeader: 'x-ssl-client-cert' } });
 * ```
 */
export interface MtlsOptions {
  /** Every token must be certificate-bound (`cnf["x5t#S256"]`). Default false. */
  required?: boolean;
  /**
   * A request header in which a trusted TLS-terminating proxy passes the client certificate (PEM,
   * URL-encoded like nginx's `$ssl_client_escaped_cert`, or base64 DER). Only set it when the
   * proxy removes that header from client requests: otherwise clients could forge it.
   */
  certificateHeader?: string;
}

/** Validated mTLS settings. Internal. */
export interface ResolvedMtls {
  required: boolean;
  certificateHeader: string | undefined;
}

export function resolveMtls(options: MtlsOptions | undefined): ResolvedMtls | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tokenguard: "mtls" must be an object');
  }
  if (options.required !== undefined && typeof options.required !== 'boolean') {
    throw new TypeError('tokenguard: "mtls.required" must be a boolean');
  }
  const header = options.certificateHeader;
  if (header !== undefined && (typeof header !== 'string' || !/^[a-z0-9-]+$/i.test(header))) {
    throw new TypeError('tokenguard: "mtls.certificateHeader" must be a header name');
  }
  return { required: options.required ?? false, certificateHeader: header?.toLowerCase() };
}

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

/** base64url(SHA-256(DER)) of the request's client certificate, or `undefined`. */
export function clientCertificateThumbprint(
  request: TokenRequest,
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
  request: TokenRequest,
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
