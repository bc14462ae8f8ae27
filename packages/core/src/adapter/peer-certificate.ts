import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientCertificate } from '@tokenguard/core';

/**
 * The client certificate of a TLS connection Node terminated itself (`https.createServer` with
 * `requestCert: true`), for certificate-bound tokens (RFC 8705), or `undefined`. It does NOT
 * check the certificate (core compares its thumbprint with the token's `cnf`), and behind a
 * TLS-terminating proxy there is none here: the guard's `mtls.certificateHeader` reads it from
 * the proxy's header instead.
 *
 * @example
 * ```ts
 * const certificate = peerCertificate(req.socket);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function peerCertificate(socket: Socket | undefined): ClientCertificate | undefined {
  const tls = socket as Partial<TLSSocket> | undefined;
  if (tls?.encrypted !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  const raw = tls.getPeerCertificate().raw as Buffer | undefined;
  return raw === undefined || raw.length === 0 ? undefined : { raw };
}
