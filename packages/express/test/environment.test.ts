import { CONFORMANCE_SCOPES } from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authErrorHandler,
  protectedResourceMetadata,
  requireScopes,
  requireToken,
} from '../src/index.js';
import { bearer, EXPRESS_VERSIONS, listen, send } from './helpers.js';

// These tests own the TOKENGUARD_* variables: each sets what it needs, and the developer's own
// values are put back afterwards.
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
});

let as: AuthorizationServer;
beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as?.close());

describe.each(EXPRESS_VERSIONS)('the environment guard on %s', (name, createApp) => {
  function configure(realm: string) {
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    // A realm per test makes a fresh environment guard, so its JWKS fetches can be counted.
    process.env.TOKENGUARD_REALM = `${realm} (${name})`;
  }

  it('app.use(requireToken()) reads TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE', async () => {
    configure('plain');
    const app = createApp();
    app.use(requireToken());
    app.get('/me', (req, res) => {
      res.json({ principal: req.auth?.principalId });
    });
    app.use(authErrorHandler());
    const server = await listen(app);
    try {
      const ok = await send(`${server.baseUrl}/me`, {
        headers: bearer(await as.mintAccessToken()),
      });
      expect(ok.status).toBe(200);
      expect(ok.json).toEqual({ principal: `${as.issuer}|user-123` });
      const missing = await send(`${server.baseUrl}/me`);
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe(`Bearer realm="plain (${name})"`);
    } finally {
      await server.close();
    }
  });

  it('requirements without an issuer use the one environment guard, sharing its key cache', async () => {
    configure('shared');
    const app = createApp();
    app.get('/orders', requireToken({ scopes: ['orders:read'] }), (_req, res) => {
      res.end();
    });
    app.post('/orders', requireToken({ scopes: ['orders:write'] }), (_req, res) => {
      res.end();
    });
    app.get('/me', requireToken(), requireScopes('orders:read'), (_req, res) => {
      res.end();
    });
    app.use(authErrorHandler());
    const server = await listen(app);
    as.resetCounts();
    try {
      const reader = { headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })) };
      expect((await send(`${server.baseUrl}/orders`, reader)).status).toBe(200);
      expect((await send(`${server.baseUrl}/me`, reader)).status).toBe(200);
      const write = await send(`${server.baseUrl}/orders`, { ...reader, method: 'POST' });
      expect(write.status).toBe(403);
      expect(write.headers['www-authenticate']).toContain('scope="orders:write"');
      expect(as.counts.jwks).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('protectedResourceMetadata() serves the environment guard’s document at its path', async () => {
    configure('metadata');
    process.env.TOKENGUARD_RESOURCE = 'https://api.example.com/v1';
    const app = createApp();
    app.use(protectedResourceMetadata({ scopesSupported: CONFORMANCE_SCOPES }));
    app.use(requireToken());
    app.use(authErrorHandler());
    const server = await listen(app);
    try {
      const reply = await send(`${server.baseUrl}/.well-known/oauth-protected-resource/v1`);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.json).toEqual({
        resource: 'https://api.example.com/v1',
        authorization_servers: [as.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: [...CONFORMANCE_SCOPES],
      });
      // Anything else goes on to requireToken(), whose challenge points at the document.
      const other = await send(`${server.baseUrl}/.well-known/oauth-protected-resource`);
      expect(other.status).toBe(401);
      expect(other.headers['www-authenticate']).toContain(
        'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"',
      );
      const post = await send(`${server.baseUrl}/.well-known/oauth-protected-resource/v1`, {
        method: 'POST',
      });
      expect(post.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('an environment without TOKENGUARD_*', () => {
  it('requireToken() throws a TypeError naming the option and the variables', () => {
    expect(() => requireToken()).toThrow(TypeError);
    expect(() => requireToken()).toThrow(/"issuer" is required.*TOKENGUARD_ISSUER/);
    process.env.TOKENGUARD_ISSUER = 'https://auth.example.com/';
    expect(() => requireToken({ scopes: ['orders:read'] })).toThrow(/"audience" is required/);
  });
});
