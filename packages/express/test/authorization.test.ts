import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  CONFORMANCE_REALM,
  CONFORMANCE_RESOURCE,
  conformanceGuardOptions,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import type { Express, RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authErrorHandler,
  optionalToken,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
} from '../src/index.js';
import { bearer, EXPRESS_VERSIONS, listen, type RunningApp, send } from './helpers.js';

const METADATA = `${CONFORMANCE_RESOURCE}/.well-known/oauth-protected-resource`;
const bareChallenge = `Bearer realm="${CONFORMANCE_REALM}", resource_metadata="${METADATA}"`;

let as: AuthorizationServer;
let guard: TokenGuard;

beforeAll(async () => {
  as = await createAuthorizationServer();
  // Bearer only: these tests pin Bearer challenges (the shared table covers DPoP and introspection).
  guard = createTokenGuard({
    ...conformanceGuardOptions(as),
    dpop: undefined,
    introspection: undefined,
  });
});

afterAll(async () => {
  await guard?.close();
  await as?.close();
});

const answer: RequestHandler = (req, res) => {
  res.json({ subject: req.auth?.subject ?? null, scopes: [...(req.auth?.scopes ?? [])] });
};

describe.each(EXPRESS_VERSIONS)(
  'requireScopes, requireAnyScope, requireClaims on %s',
  (_name, createApp) => {
    let server: RunningApp;

    beforeAll(async () => {
      const app: Express = createApp();
      app.get('/unprotected/orders', requireScopes('orders:read'), answer);
      app.get('/browse', optionalToken(guard), requireScopes('orders:read'), answer);
      app.use('/api', requireToken(guard));
      app.get('/api/orders', requireScopes('orders:read'), answer);
      app.post('/api/orders', requireScopes('orders:read', 'orders:write'), answer);
      app.get('/api/admin', requireAnyScope('admin', 'orders:admin'), answer);
      app.get('/api/tenant', requireClaims({ tenant: { equals: 'acme' } }), answer);
      app.get(
        '/api/stacked',
        requireScopes('orders:read'),
        requireClaims({ tenant: { oneOf: ['acme', 'globex'] } }),
        answer,
      );
      app.use(authErrorHandler());
      server = await listen(app);
    });

    afterAll(() => server?.close());

    const get = async (path: string, token?: string, method = 'GET') =>
      send(`${server.baseUrl}${path}`, { method, headers: token ? bearer(token) : {} });

    it('passes when the token has the scope', async () => {
      const reply = await get('/api/orders', await as.mintAccessToken({ scope: 'orders:read' }));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ subject: 'user-123', scopes: ['orders:read'] });
    });

    it('requires every scope of requireScopes: 403 naming them', async () => {
      const reply = await get(
        '/api/orders',
        await as.mintAccessToken({ scope: 'orders:read' }),
        'POST',
      );
      expect(reply.status).toBe(403);
      expect(reply.headers['www-authenticate']).toBe(
        `Bearer realm="${CONFORMANCE_REALM}", error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:read orders:write", resource_metadata="${METADATA}"`,
      );
      expect(reply.json).toEqual({
        error: 'insufficient_scope',
        error_description: 'The access token lacks the required scope',
      });
    });

    it('requireAnyScope passes on one of them and names all of them otherwise', async () => {
      const ok = await get('/api/admin', await as.mintAccessToken({ scope: 'orders:admin' }));
      expect(ok.status).toBe(200);
      const denied = await get('/api/admin', await as.mintAccessToken({ scope: 'orders:read' }));
      expect(denied.status).toBe(403);
      expect(denied.headers['www-authenticate']).toContain('scope="admin orders:admin"');
    });

    it('requireClaims is authorization: 403 when a rule fails', async () => {
      const ok = await get('/api/tenant', await as.mintAccessToken({ tenant: 'acme' }));
      expect(ok.status).toBe(200);
      const denied = await get('/api/tenant', await as.mintAccessToken({ tenant: 'globex' }));
      expect(denied.status).toBe(403);
      expect(denied.json).toEqual({
        error: 'insufficient_scope',
        error_description: 'The access token is not authorized for this resource',
      });
      const stacked = await get('/api/stacked', await as.mintAccessToken({ tenant: 'globex' }));
      expect(stacked.status).toBe(200);
    });

    it('the global requireToken() still decides first: a bad token never reaches requireScopes', async () => {
      const reply = await get('/api/orders', await as.mintAccessToken({}, { alg: 'none' }));
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toContain('error="invalid_token"');
      const missing = await get('/api/orders');
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe(bareChallenge);
    });

    it("after optionalToken(), an anonymous request is 401 with the guard's challenge", async () => {
      const anonymous = await get('/browse');
      expect(anonymous.status).toBe(401);
      expect(anonymous.text).toBe('');
      expect(anonymous.headers['www-authenticate']).toBe(bareChallenge);
      const withToken = await get('/browse', await as.mintAccessToken());
      expect(withToken.status).toBe(200);
    });

    it('without requireToken() before it, requireScopes is a 401, not a crash', async () => {
      const token = await as.mintAccessToken({ scope: 'orders:read' });
      const reply = await get('/unprotected/orders', token);
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer');
      expect(reply.text).toBe('');
    });

    it('reuses the verified token: the JWKS is not fetched again', async () => {
      const token = await as.mintAccessToken({ scope: 'orders:read', tenant: 'acme' });
      await get('/api/stacked', token);
      as.resetCounts();
      as.faults.set('jwks', { status: 500 });
      try {
        expect((await get('/api/stacked', token)).status).toBe(200);
        expect(as.counts.jwks).toBe(0);
      } finally {
        as.faults.clear('jwks');
      }
    });
  },
);

describe.each(EXPRESS_VERSIONS)('optionalToken on %s', (_name, createApp) => {
  let server: RunningApp;

  beforeAll(async () => {
    const app: Express = createApp();
    app.get('/feed', optionalToken(guard), answer);
    app.get('/drafts', optionalToken(guard, { scopes: ['orders:write'] }), answer);
    app.use(authErrorHandler());
    server = await listen(app);
  });

  afterAll(() => server?.close());

  it('lets a request without credentials through with req.auth undefined', async () => {
    const reply = await send(`${server.baseUrl}/feed`);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ subject: null, scopes: [] });
    // Another scheme is no credentials too.
    const basic = await send(`${server.baseUrl}/feed`, {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(200);
  });

  it('sets req.auth for a valid token', async () => {
    const reply = await send(`${server.baseUrl}/feed`, {
      headers: bearer(await as.mintAccessToken()),
    });
    expect(reply.json).toEqual({ subject: 'user-123', scopes: ['orders:read'] });
  });

  it('still rejects bad credentials', async () => {
    const expired = await send(`${server.baseUrl}/feed`, {
      headers: bearer(await as.mintAccessToken({}, { expiresIn: -120 })),
    });
    expect(expired.status).toBe(401);
    const malformed = await send(`${server.baseUrl}/feed`, {
      headers: { authorization: 'Bearer' },
    });
    expect(malformed.status).toBe(400);
  });

  it('applies requirements only to authenticated requests', async () => {
    expect((await send(`${server.baseUrl}/drafts`)).status).toBe(200);
    const reader = await send(`${server.baseUrl}/drafts`, {
      headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
    });
    expect(reader.status).toBe(403);
  });
});
