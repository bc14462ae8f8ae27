import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createCertificates,
  type TestCertificates,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';

let as: AuthorizationServer;
let pki: TestCertificates;

beforeAll(async () => {
  as = await createAuthorizationServer();
  pki = await createCertificates();
});
afterAll(() => as.close());

/** An HTTPS API on loopback that asks for client certificates and hands them to core. */
async function startTlsApi(options: Partial<TokenGuardOptions> = {}) {
  const guard: TokenGuard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    ...options,
  });
  const server = createServer(
    {
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: false,
    },
    async (req, res) => {
      const socket = req.socket as TLSSocket;
      try {
        const auth = await guard.authenticate({
          method: req.method ?? 'GET',
          url: `https://${req.headers.host}${req.url}`,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          get clientCertificate() {
            const cert = socket.authorized ? socket.getPeerCertificate() : undefined;
            return cert?.raw ? { raw: cert.raw } : undefined;
          },
        });
        res.writeHead(200).end(auth.subject);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        const { status, headers, body } = error.toResponse();
        res.writeHead(status, headers).end(body);
      }
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const call = (
    token: string,
    client?: { cert: string; key: string },
    headers: Record<string, string> = {},
  ) =>
    new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          ca: pki.ca,
          ...client,
          headers: { authorization: `Bearer ${token}`, ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              challenge: res.headers['www-authenticate'] as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  return {
    call,
    async close() {
      server.closeAllConnections();
      server.close();
      await guard.close();
    },
  };
}

describe('certificate-bound tokens over a real mTLS connection (RFC 8705)', () => {
  it('accepts a token bound to the presented client certificate, rejects any other', async () => {
    const api = await startTlsApi({ mtls: {} });
    try {
      const client = await pki.issueClient('orders-client');
      const other = await pki.issueClient('someone-else');
      const token = await as.mintAccessToken({
        sub: 'bound',
        cnf: { 'x5t#S256': client.thumbprint },
      });
      expect(await api.call(token, client)).toMatchObject({ status: 200 });
      const wrong = await api.call(token, other);
      expect(wrong.status).toBe(401);
      expect(wrong.challenge).toBe(
        'Bearer error="invalid_token", error_description="The access token is invalid"',
      );
      expect((await api.call(token)).status).toBe(401);
      // An unbound token still works unless mTLS is required.
      expect((await api.call(await as.mintAccessToken(), client)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('requires bound tokens with mtls.required', async () => {
    const api = await startTlsApi({ mtls: { required: true } });
    try {
      const client = await pki.issueClient();
      expect((await api.call(await as.mintAccessToken(), client)).status).toBe(401);
      expect(
        (
          await api.call(
            await as.mintAccessToken({ cnf: { 'x5t#S256': client.thumbprint } }),
            client,
          )
        ).status,
      ).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('rejects a certificate-bound token when mTLS is not configured', async () => {
    const api = await startTlsApi();
    try {
      const client = await pki.issueClient();
      expect(
        (
          await api.call(
            await as.mintAccessToken({ cnf: { 'x5t#S256': client.thumbprint } }),
            client,
          )
        ).status,
      ).toBe(401);
    } finally {
      await api.close();
    }
  });

  it('reads the certificate from a trusted proxy header (URL-encoded PEM)', async () => {
    const client = await pki.issueClient();
    const guard = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      mtls: { certificateHeader: 'x-ssl-client-cert' },
    });
    const token = await as.mintAccessToken({ cnf: { 'x5t#S256': client.thumbprint } });
    const request = (cert: string | undefined) => ({
      method: 'GET',
      url: 'https://api.example.com/',
      headers: {
        authorization: `Bearer ${token}`,
        ...(cert === undefined ? {} : { 'x-ssl-client-cert': cert }),
      },
    });
    try {
      await expect(
        guard.authenticate(request(encodeURIComponent(client.cert))),
      ).resolves.toMatchObject({ subject: 'user-123' });
      await expect(guard.authenticate(request(undefined))).rejects.toMatchObject({
        status: 401,
        reason: 'mtls.certificate_missing',
      });
      await expect(guard.authenticate(request('not a certificate'))).rejects.toMatchObject({
        status: 401,
      });
      const other = await pki.issueClient();
      await expect(
        guard.authenticate(request(encodeURIComponent(other.cert))),
      ).rejects.toMatchObject({ reason: 'mtls.certificate_mismatch' });
    } finally {
      await guard.close();
    }
  });
});
