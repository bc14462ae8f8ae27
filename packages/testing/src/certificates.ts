import { createHash, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { newKeyPairSync } from './lib/key-pair.js';

/** A certificate and its private key, PEM-encoded, with the RFC 8705 thumbprint. */
export interface IssuedCertificate {
  cert: string;
  key: string;
  /** base64url(SHA-256(DER)): what a certificate-bound token's `cnf["x5t#S256"]` carries. */
  thumbprint: string;
}

/** What {@link createCertificates} returns. */
export interface TestCertificates {
  /** The CA certificate (PEM), for `ca:` on both sides. */
  ca: string;
  /** A server certificate for `127.0.0.1` and `localhost`. */
  server: IssuedCertificate;
  /** Issues a client certificate signed by the CA. */
  issueClient(commonName?: string): Promise<IssuedCertificate>;
}

// Keys come from node:crypto (fast); node-forge only assembles and signs the certificates.
function rsaKeys(): {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
} {
  const { privateKey } = newKeyPairSync({ type: 'rsa', modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), pem };
}

function newCertificate(
  publicKey: forge.pki.rsa.PublicKey,
  subject: string,
  issuer: forge.pki.CertificateField[],
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: a leading 0x01 byte keeps the top bit clear.
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

function issued(cert: forge.pki.Certificate, keyPem: string): IssuedCertificate {
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    cert: forge.pki.certificateToPem(cert),
    key: keyPem,
    thumbprint: createHash('sha256').update(der).digest('base64url'),
  };
}

/**
 * A throwaway PKI for mTLS tests: a CA, a server certificate for loopback, and client
 * certificates on demand (RSA 2048, valid for a day).
 *
 * @example
 * ```ts
 * const pki = await createCertificates();
 * const client = await pki.issueClient('orders-client');
 * const token = await as.mintAccessToken({ cnf: { 'x5t#S256': client.thumbprint } });
 * https.createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, requestCert: true }, app);
 * ```
 */
export async function createCertificates(): Promise<TestCertificates> {
  const ca = rsaKeys();
  const caCert = newCertificate(
    ca.publicKey,
    'tokenguard test CA',
    [],
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  );
  caCert.setIssuer(caCert.subject.attributes);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const issue = (subject: string, extensions: object[]) => {
    const keys = rsaKeys();
    const cert = newCertificate(keys.publicKey, subject, caCert.subject.attributes, [
      { name: 'basicConstraints', cA: false },
      ...extensions,
    ]);
    cert.sign(ca.privateKey, forge.md.sha256.create());
    return issued(cert, keys.pem);
  };

  return {
    ca: forge.pki.certificateToPem(caCert),
    server: issue('localhost', [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
      { name: 'extKeyUsage', serverAuth: true },
    ]),
    issueClient: async (commonName = 'tokenguard test client') =>
      issue(commonName, [{ name: 'extKeyUsage', clientAuth: true }]),
  };
}
