import { fail } from '../lib/validate.js';

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

/** Validates `mtls` options (a `TypeError` naming the option); `undefined` when mTLS is off. */
export function resolveMtls(options: MtlsOptions | undefined): ResolvedMtls | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) fail('"mtls" must be an object');
  if (options.required !== undefined && typeof options.required !== 'boolean') {
    fail('"mtls.required" must be a boolean');
  }
  const header = options.certificateHeader;
  if (header !== undefined && (typeof header !== 'string' || !/^[a-z0-9-]+$/i.test(header))) {
    fail('"mtls.certificateHeader" must be a header name');
  }
  return { required: options.required ?? false, certificateHeader: header?.toLowerCase() };
}
