import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTokenGuard, isAuthError, type TokenGuard } from '@tokenguard/core';
import { sendRequest } from '@tokenguard/suites';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  optionalToken,
  protectedResourceMetadata,
  requireAnyScope,
  requireClaims,
  requireScopes,
  type TokenGuardEnv,
  tokenGuard,
} from '../src/index.js';

let as: AuthorizationServer;
let guard: TokenGuard;
const RESOURCE = 'https://api.example.com';
const METADATA = `${RESOURCE}/.well-known/oauth-protected-resource`;
beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, resource: RESOURCE });
});
afterAll(async () => {
  await guard?.close();
  await as?.close();
});

const bearer = async (claims = {}) => ({
  authorization: `Bearer ${await as.mintAccessToken(claims)}`,
});

function app(): Hono<TokenGuardEnv> {
  // Typed for the routes behind app.use('/api/*', tokenGuard()), as the README says to.
  const api = new Hono<TokenGuardEnv>();
  api.use(protectedResourceMetadata(guard, { scopesSupported: ['orders:read', 'orders:write'] }));
  api.get('/health', (c) => c.json({ ok: true }));
  api.use('/api/*', tokenGuard(guard));
  api.get('/api/me', (c) => c.json({ user: c.get('auth').principalId }));
  api.post('/api/orders', requireScopes('orders:write'), (c) => c.json({ created: true }, 201));
  api.get('/api/admin', requireAnyScope('admin', 'orders:admin'), (c) => c.json({ ok: true }));
  api.get('/api/acme', requireClaims({ tenant: { equals: 'acme' } }), (c) => c.json({ ok: true }));
  api.get('/feed', optionalToken(guard), (c) => c.json({ user: c.get('auth')?.subject ?? null }));
  return api;
}

describe('tokenGuard() through app.request()', () => {
  it('sets c.get("auth") for a valid token', async () => {
    const res = await app().request('/api/me', { headers: await bearer() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: `${as.issuer}|user-123` });
  });

  it('answers a request without credentials with the bare challenge', async () => {
    const res = await app().request('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA}"`);
    expect(await res.text()).toBe('');
  });

  it('leaves public routes alone', async () => {
    expect((await app().request('/health')).status).toBe(200);
  });

  it('requireScopes(): 403 with the scope to request', async () => {
    const res = await app().request('/api/orders', {
      method: 'POST',
      headers: await bearer({ scope: 'orders:read' }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:write", resource_metadata="${METADATA}"`,
    );
    expect(await res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    });
    const ok = await app().request('/api/orders', {
      method: 'POST',
      headers: await bearer({ scope: 'orders:write' }),
    });
    expect(ok.status).toBe(201);
  });

  it('requireAnyScope() and requireClaims()', async () => {
    expect((await app().request('/api/admin', { headers: await bearer() })).status).toBe(403);
    expect(
      (await app().request('/api/admin', { headers: await bearer({ scope: 'admin' }) })).status,
    ).toBe(200);
    expect(
      (await app().request('/api/acme', { headers: await bearer({ tenant: 'globex' }) })).status,
    ).toBe(403);
    expect(
      (await app().request('/api/acme', { headers: await bearer({ tenant: 'acme' }) })).status,
    ).toBe(200);
  });

  it('optionalToken(): anonymous passes, a bad token does not', async () => {
    const anonymous = await app().request('/feed');
    expect(await anonymous.json()).toEqual({ user: null });
    const bad = await app().request('/feed', { headers: { authorization: 'Bearer a.b.c' } });
    expect(bad.status).toBe(401);
  });

  it('serves the RFC 9728 metadata document', async () => {
    const res = await app().request('/.well-known/oauth-protected-resource');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [as.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders:read', 'orders:write'],
    });
  });

  it("app.onError() sees Hono's HTTPException, with the AuthError as its cause", async () => {
    const api = app();
    const seen: unknown[] = [];
    api.onError((err) => {
      seen.push(err instanceof HTTPException && isAuthError(err.cause) ? err.cause.code : err);
      return err instanceof HTTPException ? err.getResponse() : new Response(null, { status: 500 });
    });
    const res = await api.request('/api/me', { headers: { authorization: 'Bearer' } });
    expect(res.status).toBe(400);
    expect(seen).toEqual(['invalid_request']);
  });

  it("sets core's headers for an accepted request (a fresh DPoP-Nonce)", async () => {
    const withNonce = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      dpop: { algorithms: ['ES256'], nonce: { secret: 'n'.repeat(32) } },
    });
    const api = new Hono();
    api.get('/me', tokenGuard(withNonce), (c) => c.json({ ok: true }));
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = (nonce?: string) =>
      createDpopProof({ key, htm: 'GET', htu: 'http://localhost/me', accessToken: token, nonce });
    const first = await api.request('/me', {
      headers: { authorization: `DPoP ${token}`, dpop: await proof() },
    });
    expect(first.status).toBe(401);
    const nonce = first.headers.get('dpop-nonce') as string;
    const second = await api.request('/me', {
      headers: { authorization: `DPoP ${token}`, dpop: await proof(nonce) },
    });
    expect(second.status).toBe(200);
    await withNonce.close();
  });

  it('throws TypeErrors naming the mistake when the middleware is created', () => {
    expect(() => tokenGuard(guard, { scope: ['a'] } as never)).toThrow(
      'unknown requirement "tokenGuard.scope"; did you mean "scopes"?',
    );
    expect(() => requireScopes()).toThrow('tokenguard: requireScopes() needs at least one scope');
    const plain = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    expect(() => protectedResourceMetadata(plain)).toThrow(
      'tokenguard: "resource" is required to serve protected resource metadata (RFC 9728)',
    );
  });
});

describe('on a real server (@hono/node-server)', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = serve({ fetch: app().fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts repeated Authorization lines from the raw headers (400)', async () => {
    const token = await as.mintAccessToken();
    const res = await sendRequest(`${baseUrl}/api/me`, {
      headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: 'invalid_request',
      error_description: 'The request is malformed',
    });
  });
});

describe('the environment guard', () => {
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = {};
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('TOKENGUARD_')) {
        saved[name] = process.env[name];
        delete process.env[name];
      }
    }
  });
  afterEach(() => {
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('TOKENGUARD_')) delete process.env[name];
    }
    Object.assign(process.env, saved);
    vi.unstubAllGlobals();
  });

  it('tokenGuard() reads TOKENGUARD_* from process.env on Node', async () => {
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    const api = new Hono();
    api.get('/me', tokenGuard({ scopes: ['orders:read'] }), (c) =>
      c.json({ sub: c.var.auth.subject }),
    );
    expect(await (await api.request('/me', { headers: await bearer() })).json()).toEqual({
      sub: 'user-123',
    });
  });

  it('on Node without them: a TypeError when the middleware is created', () => {
    expect(() => tokenGuard()).toThrow(
      /TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, … from the environment/,
    );
  });

  it("on Cloudflare Workers: from c.env's bindings, on the first request", async () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    const middleware = tokenGuard(); // nothing to read yet: no error here
    const api = new Hono();
    api.get('/me', middleware, (c) => c.json({ sub: c.var.auth.subject }));
    const bindings = { TOKENGUARD_ISSUER: as.issuer, TOKENGUARD_AUDIENCE: as.audience };
    const res = await api.request('/me', { headers: await bearer() }, bindings);
    expect(await res.json()).toEqual({ sub: 'user-123' });
    const missing = await api.request('/me', { headers: await bearer() }, {});
    expect(missing.status).toBe(500); // Hono's answer to the TypeError: never an accept
  });
});
