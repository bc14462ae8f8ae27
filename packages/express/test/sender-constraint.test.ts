import { once } from 'node:events';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createCertificates,
  createDpopKey,
  createDpopProof,
  type DpopKey,
  type IssuedCertificate,
  type TestCertificates,
} from '@tokenguard/testing';
import type { ErrorRequestHandler, Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, requireScopes, requireToken } from '../src/index.js';
import { EXPRESS_VERSIONS, listen, type RunningApp, send } from './helpers.js';

// Sender-constrained tokens depend on what the adapter maps: DPoP's `htu` on the public URL
// (trust proxy, Host with its port), mTLS on the TLS peer certificate.
let as: AuthorizationServer;
let dpopGuard: TokenGuard;
let nonceGuard: TokenGuard;
let mtlsGuard: TokenGuard;
const key: DpopKey = createDpopKey();

beforeAll(async () => {
  as = await createAuthorizationServer();
  const base = { issuer: as.issuer, audience: as.audience };
  dpopGuard = createTokenGuard({ ...base, dpop: { mode: 'allowed' } });
  nonceGuard = createTokenGuard({
    ...base,
    dpop: { mode: 'required', nonce: { secret: 'a nonce secret of at least 32 bytes!' } },
  });
  mtlsGuard = createTokenGuard({ ...base, mtls: {} });
});

afterAll(async () => {
  await Promise.all([dpopGuard, nonceGuard, mtlsGuard].map((guard) => guard?.close()));
  await as?.close();
});

describe.each(EXPRESS_VERSIONS)('DPoP on %s', (_name, createApp) => {
  let server: RunningApp;

  beforeAll(async () => {
    const app: Express = createApp();
    app.set('trust proxy', 'loopback');
    app.get('/orders', requireToken(dpopGuard), (req, res) => {
      res.json({ scheme: req.auth?.scheme, jkt: req.auth?.confirmation?.jkt });
    });
    app.get('/nonce/orders', requireToken(nonceGuard), (_req, res) => {
      res.end();
    });
    app.get('/route/orders', requireToken(dpopGuard, { scopes: ['orders:write'] }), (_req, res) => {
      res.end();
    });
    app.get('/later/orders', requireToken(dpopGuard), requireScopes('orders:read'), (_req, res) => {
      res.end();
    });
    // Two requireToken() with one guard: an app-level one, then a route's with requirements.
    app.use('/twice', requireToken(dpopGuard));
    app.get('/twice/orders', requireToken(dpopGuard, { scopes: ['orders:write'] }), (_req, res) => {
      res.end();
    });
    const serverError: ErrorRequestHandler = (err, _req, res, _next) => {
      res.status(500).json({ code: err.code, message: err.message });
    };
    app.use(authErrorHandler(), serverError);
    server = await listen(app);
  });

  afterAll(() => server?.close());

  async function dpopCall(
    path: string,
    htu: string,
    headers: Record<string, string> = {},
    nonce?: string,
  ) {
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu, accessToken: token, nonce });
    return send(`${server.baseUrl}${path}`, {
      headers: { authorization: `DPoP ${token}`, dpop: proof, ...headers },
    });
  }

  it('accepts a proof for the URL the client addressed, port included', async () => {
    const reply = await dpopCall('/orders?page=2', `http://127.0.0.1:${server.port}/orders`);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ scheme: 'DPoP', jkt: key.thumbprint });
  });

  it('accepts a proof for the public URL behind a trusted proxy', async () => {
    const reply = await dpopCall('/orders', 'https://api.example.com:8443/orders', {
      'x-forwarded-host': 'api.example.com:8443',
      'x-forwarded-proto': 'https',
    });
    expect(reply.status).toBe(200);
  });

  it('rejects a proof for another URL', async () => {
    const reply = await dpopCall('/orders', 'http://127.0.0.1:1/orders');
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toContain('error="invalid_dpop_proof"');
  });

  it('checks route requirements given to requireToken() on DPoP requests', async () => {
    const htu = `http://127.0.0.1:${server.port}/route/orders`;
    const reply = await dpopCall('/route/orders', htu);
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"');
  });

  it('checks requireScopes() on a DPoP request without replaying its proof', async () => {
    // requireScopes() after requireToken(): core's authorize() checks the principal and never
    // authenticates (replays) the request again.
    const htu = `http://127.0.0.1:${server.port}/later/orders`;
    expect((await dpopCall('/later/orders', htu)).status).toBe(200);
    const narrow = await as.mintAccessToken({ scope: 'profile', cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu, accessToken: narrow });
    const reply = await send(`${server.baseUrl}/later/orders`, {
      headers: { authorization: `DPoP ${narrow}`, dpop: proof },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(reply.headers['www-authenticate']).toContain('scope="orders:read"');
  });

  it('authenticates a DPoP request once when two requireToken() run on it', async () => {
    // The second checks its requirements on the principal the first verified: authenticating
    // again would replay the single-use proof (401 invalid_dpop_proof).
    const htu = `http://127.0.0.1:${server.port}/twice/orders`;
    const reply = await dpopCall('/twice/orders', htu);
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toContain('error="insufficient_scope"');
    const wide = await as.mintAccessToken({ scope: 'orders:write', cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu, accessToken: wide });
    const accepted = await send(`${server.baseUrl}/twice/orders`, {
      headers: { authorization: `DPoP ${wide}`, dpop: proof },
    });
    expect(accepted.status).toBe(200);
  });

  it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts the nonce', async () => {
    const htu = `http://127.0.0.1:${server.port}/nonce/orders`;
    const first = await dpopCall('/nonce/orders', htu, { origin: 'https://app.example.com' });
    expect(first.status).toBe(401);
    expect(first.headers['www-authenticate']).toContain('error="use_dpop_nonce"');
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[\w-]+$/);
    expect(first.headers['access-control-expose-headers']).toBe('WWW-Authenticate, DPoP-Nonce');
    const second = await dpopCall('/nonce/orders', htu, {}, nonce);
    expect(second.status).toBe(200);
  });
});

describe.each(EXPRESS_VERSIONS)('mTLS-bound tokens on %s', (_name, createApp) => {
  let pki: TestCertificates;
  let client: IssuedCertificate;
  let other: IssuedCertificate;
  let baseUrl: string;
  let close: () => void;

  beforeAll(async () => {
    pki = await createCertificates();
    [client, other] = await Promise.all([pki.issueClient('orders-client'), pki.issueClient()]);
    const app: Express = createApp();
    app.get('/orders', requireToken(mtlsGuard), (req, res) => {
      res.json({ bound: req.auth?.confirmation?.['x5t#S256'] });
    });
    app.use(authErrorHandler());
    const server = createHttpsServer(
      {
        key: pki.server.key,
        cert: pki.server.cert,
        ca: pki.ca,
        requestCert: true,
        rejectUnauthorized: false,
      },
      app,
    ).listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => {
      server.closeAllConnections();
      server.close();
    };
  });

  afterAll(() => close?.());

  const call = (token: string, cert: IssuedCertificate | undefined) =>
    new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        `${baseUrl}/orders`,
        {
          ca: pki.ca,
          ...(cert ? { cert: cert.cert, key: cert.key } : {}),
          headers: { authorization: `Bearer ${token}`, connection: 'close' },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('accepts the token over a connection with its certificate, and no other', async () => {
    const token = await as.mintAccessToken({ cnf: { 'x5t#S256': client.thumbprint } });
    expect(await call(token, client)).toBe(200);
    expect(await call(token, other)).toBe(401);
    expect(await call(token, undefined)).toBe(401);
  });

  it('still accepts unbound tokens', async () => {
    expect(await call(await as.mintAccessToken(), undefined)).toBe(200);
  });
});
