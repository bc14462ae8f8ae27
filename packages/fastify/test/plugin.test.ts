import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAuthError } from '@tokenguard/core';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendAuthError, tokenGuard } from '../src/index.js';

let as: AuthorizationServer;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as.close());
afterEach(async () => {
  while (apps.length > 0) await apps.pop()?.close();
});

function app(options: FastifyServerOptions = {}): FastifyInstance {
  const instance = Fastify(options);
  apps.push(instance);
  return instance;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('errors', () => {
  it("a user's setErrorHandler in a child scope sees the AuthError with statusCode, code and headers", async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    const seen: unknown[] = [];
    await server.register(async (child) => {
      child.setErrorHandler((error, _request, reply) => {
        seen.push(error);
        if (!isAuthError(error)) throw error;
        reply.code(error.statusCode).send({ mine: error.code });
      });
      child.get('/x', async () => 'ok');
    });
    const res = await server.inject({ url: '/x', headers: bearer('not-a-token') });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ mine: 'invalid_token' });
    expect(isAuthError(seen[0])).toBe(true);
    expect(seen[0]).toMatchObject({
      statusCode: 401,
      code: 'invalid_token',
      headers: {
        'WWW-Authenticate':
          'Bearer error="invalid_token", error_description="The access token is invalid"',
      },
    });
  });

  it('leaves an error handler already set in its scope in place; sendAuthError renders for it', async () => {
    const server = app();
    server.setErrorHandler((error, _request, reply) => {
      if (isAuthError(error)) return sendAuthError(reply.header('x-handled-by', 'user'), error);
      return reply.code(418).send({ teapot: true });
    });
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience });
    server.get('/boom', async () => {
      throw new Error('boom');
    });
    server.get('/auth', { onRequest: server.requireToken() }, async () => 'ok');
    expect((await server.inject({ url: '/boom' })).statusCode).toBe(418);
    const res = await server.inject({ url: '/auth' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-handled-by']).toBe('user');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toBe('');
  });

  it('passes errors that are not its own to the default handler', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience });
    server.get('/boom', async () => {
      throw Object.assign(new Error('boom'), { statusCode: 409 });
    });
    const res = await server.inject({ url: '/boom' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ statusCode: 409, message: 'boom' });
  });

  it('merges Access-Control-Expose-Headers with a CORS value', async () => {
    const server = app();
    server.addHook('onRequest', async (_request, reply) => {
      reply.header('access-control-expose-headers', 'X-Request-Id');
    });
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    server.get('/x', async () => 'ok');
    const res = await server.inject({ url: '/x', headers: { origin: 'https://app.example' } });
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id, WWW-Authenticate');
  });
});

describe('configuration', () => {
  it('fails registration with a TypeError naming the option', async () => {
    const server = app();
    server.register(tokenGuard, { issuer: 'not a url', audience: 'a' });
    await expect(server.ready()).rejects.toThrow('tokenguard: "issuer" must be an absolute URL');
  });

  it('fails startup on a bad route config, naming the route', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    expect(() => server.get('/x', { config: { scopes: ['a b'] } }, async () => 'ok')).toThrow(
      '"route GET /x.scopes"',
    );
    expect(() => server.requireToken({ introspect: true })).toThrow(
      '"requireToken().introspect: true" needs the "introspection" option',
    );
  });

  it('reads TOKENGUARD_* when given no guard options', async () => {
    const saved = { ...process.env };
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    try {
      const server = app();
      await server.register(tokenGuard, { global: true });
      server.get('/x', async (request) => request.auth?.subject);
      expect(
        (await server.inject({ url: '/x', headers: bearer(await as.mintAccessToken()) })).body,
      ).toBe('user-123');
    } finally {
      process.env = saved;
    }
  });

  it('shares a guard passed in, and leaves it open', async () => {
    const { createTokenGuard } = await import('@tokenguard/core');
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    const server = app();
    await server.register(tokenGuard, { guard, global: true });
    server.get('/x', async () => 'ok');
    expect(
      (await server.inject({ url: '/x', headers: bearer(await as.mintAccessToken()) })).statusCode,
    ).toBe(200);
    expect(server.tokenGuard).toBe(guard);
    await server.close();
    await guard.close();
  });
});

describe('saying why, and start-up', () => {
  /** A Fastify app whose pino logger writes its entries here. */
  function logged(level = 'debug') {
    const entries: Array<Record<string, unknown>> = [];
    const server = app({
      logger: { level, stream: { write: (line: string) => entries.push(JSON.parse(line)) } },
    });
    return { server, entries };
  }

  it("logs a rejection to the app's logger at debug, with the facts and never the token", async () => {
    const { server, entries } = logged();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    server.get('/me', async () => 'ok');
    const token = await as.mintAccessToken({ aud: 'https://other.example' });
    const reply = await server.inject({ url: '/me', headers: bearer(token) });
    expect(reply.statusCode).toBe(401);
    const ours = entries.filter((entry) => entry.tokenguard !== undefined);
    expect(ours).toEqual([
      expect.objectContaining({
        level: 20,
        msg: expect.stringContaining(
          'tokenguard: rejected 401 invalid_token (jwt.aud): aud is "https://other.example", expected "https://api.example.com"',
        ),
        tokenguard: expect.objectContaining({
          reason: 'jwt.aud',
          details: {
            field: 'aud',
            expected: ['https://api.example.com'],
            actual: 'https://other.example',
          },
        }),
      }),
    ]);
    expect(JSON.stringify(entries)).not.toContain(token.split('.')[2]);
  });

  it("at the app's info level, nothing is logged for a rejected request", async () => {
    const { server, entries } = logged('info');
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    server.get('/me', async () => 'ok');
    await server.inject({ url: '/me', headers: bearer(await as.mintAccessToken({ aud: 'x' })) });
    expect(entries.filter((entry) => entry.tokenguard !== undefined)).toEqual([]);
  });

  it("warmUp: 'fail' makes app.ready() reject naming the URL and the cause; 'warn' starts", async () => {
    const down = `${as.issuer}/nowhere`;
    as.faults.set('jwks', { status: 503 });
    try {
      const failing = app();
      await failing.register(tokenGuard, {
        issuer: as.issuer,
        audience: as.audience,
        jwksUri: down,
        warmUp: 'fail',
      });
      await expect(failing.ready()).rejects.toThrow(
        `tokenguard: the JWKS of issuer ${as.issuer} failed (${down}): HTTP 404`,
      );
      const { server, entries } = logged('warn');
      await server.register(tokenGuard, {
        issuer: as.issuer,
        audience: as.audience,
        warmUp: 'warn',
      });
      await server.ready();
      expect(entries.map((entry) => entry.msg)).toEqual([
        `tokenguard: the JWKS of issuer ${as.issuer} is down at ${as.jwksUri}: HTTP 503; requests that need its keys are answered 503 until it recovers`,
      ]);
    } finally {
      as.faults.clear();
    }
  });
});

describe('encapsulation', () => {
  it('a global guard in one prefix does not protect sibling plugins', async () => {
    const server = app();
    await server.register(
      async (api) => {
        await api.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
        api.get('/orders', async () => 'orders');
      },
      { prefix: '/api' },
    );
    await server.register(async (site) => {
      site.get('/home', async () => 'home');
    });
    expect((await server.inject({ url: '/api/orders' })).statusCode).toBe(401);
    expect((await server.inject({ url: '/home' })).statusCode).toBe(200);
  });
});

describe('public URL, proxies and DPoP', () => {
  const key = createDpopKey();
  async function dpopRequest(
    server: FastifyInstance,
    htu: string,
    headers: Record<string, string> = {},
  ) {
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu, accessToken: token });
    return server.inject({
      url: '/orders',
      headers: { authorization: `DPoP ${token}`, dpop: proof, ...headers },
    });
  }

  it('builds the URL from X-Forwarded-* only behind a trusted proxy', async () => {
    const trusting = app({ trustProxy: true });
    await trusting.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      dpop: {},
      global: true,
    });
    trusting.get('/orders', async () => 'ok');
    const forwarded = { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' };
    expect(
      (await dpopRequest(trusting, 'https://api.example.com/orders', forwarded)).statusCode,
    ).toBe(200);

    const direct = app();
    await direct.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      dpop: {},
      global: true,
    });
    direct.get('/orders', async () => 'ok');
    expect(
      (await dpopRequest(direct, 'https://api.example.com/orders', forwarded)).statusCode,
    ).toBe(401);
    expect((await dpopRequest(direct, 'http://localhost:80/orders')).statusCode).toBe(200);
  });

  it('answers an invalid Host with 400 when the URL is needed', async () => {
    const server = app();
    await server.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      dpop: {},
      global: true,
    });
    server.get('/orders', async () => 'ok');
    const res = await dpopRequest(server, 'http://evil/orders', { host: 'evil/path?x' });
    expect(res.statusCode).toBe(400);
  });

  it('checks a later requireToken() on a DPoP request without replaying its proof', async () => {
    const server = app();
    await server.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      dpop: {},
      global: true,
    });
    server.get(
      '/orders',
      { onRequest: server.requireToken({ scopes: ['orders:write'] }) },
      async () => 'ok',
    );
    const res = await dpopRequest(server, 'http://localhost:80/orders');
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="orders:write"');
  });

  it('introspects opaque tokens', async () => {
    const server = app();
    await server.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
      global: true,
    });
    server.get('/orders', async (request) => request.auth?.format);
    const res = await server.inject({
      url: '/orders',
      headers: bearer(await as.mintOpaqueToken()),
    });
    expect(res.body).toBe('opaque');
  });
});

describe('composing requirements', () => {
  const introspection = () => ({
    clientId: as.defaultClient.clientId,
    clientSecret: as.defaultClient.clientSecret,
  });

  it.each([
    ['scope', 'scopes'],
    ['anyScope', 'anyScopes'],
    ['Scopes', 'scopes'],
    ['claim', 'claims'],
    ['acr_values', 'acrValues'],
    ['max_age', 'maxAge'],
    ['introspection', 'introspect'],
    ['publc', 'public'],
    ['optinal', 'optional'],
  ])(
    'refuses config.%s at registration, naming the closest valid key (%s)',
    async (typo, valid) => {
      for (const global of [true, false]) {
        const server = app();
        await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global });
        expect(() =>
          server.get('/orders', { config: { [typo]: ['orders:write'] } }, async () => 'ok'),
        ).toThrow(
          `tokenguard: unknown requirement "route GET /orders.${typo}"; did you mean "${valid}"?`,
        );
      }
    },
  );

  it('without global: a route whose config declares requirements but has no hook is protected, never open', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience });
    server.post('/orders', { config: { scopes: ['orders:write'] } }, async (request) => ({
      subject: request.auth?.subject ?? null,
    }));
    server.get('/tenant', { config: { claims: { tenant: { equals: 'acme' } } } }, async () => 'ok');
    server.get('/feed', { config: { optional: true } }, async (request) => ({
      subject: request.auth?.subject ?? null,
    }));
    server.get('/open', async () => 'ok');
    const anonymous = await server.inject({ method: 'POST', url: '/orders' });
    expect(anonymous.statusCode).toBe(401);
    const reader = await server.inject({
      method: 'POST',
      url: '/orders',
      headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
    });
    expect(reader.statusCode).toBe(403);
    expect(reader.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the required scope',
    });
    const writer = await server.inject({
      method: 'POST',
      url: '/orders',
      headers: bearer(await as.mintAccessToken({ scope: 'orders:write' })),
    });
    expect(writer.json()).toEqual({ subject: 'user-123' });
    const globex = await server.inject({
      url: '/tenant',
      headers: bearer(await as.mintAccessToken({ tenant: 'globex' })),
    });
    expect(globex.statusCode).toBe(403);
    // config: { optional: true } alone: anonymous passes, a bad token does not.
    expect((await server.inject({ url: '/feed' })).json()).toEqual({ subject: null });
    expect((await server.inject({ url: '/feed', headers: bearer('forged') })).statusCode).toBe(401);
    // A route that declares nothing stays open (protect it with a hook or global: true).
    expect((await server.inject({ url: '/open' })).statusCode).toBe(200);
  });

  it('without global: a context-level requireToken() hook and the route config compose, once', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, dpop: {} });
    await server.register(async (child) => {
      child.addHook('onRequest', child.requireToken({ anyScopes: ['orders:read', 'admin'] }));
      child.get('/orders', { config: { scopes: ['orders:write'] } }, async () => 'ok');
    });
    const onlyWrite = await server.inject({
      url: '/orders',
      headers: bearer(await as.mintAccessToken({ scope: 'orders:write' })),
    });
    expect(onlyWrite.statusCode).toBe(403);
    const both = await server.inject({
      url: '/orders',
      headers: bearer(await as.mintAccessToken({ scope: 'orders:write orders:read' })),
    });
    expect(both.statusCode).toBe(200);
    // A DPoP proof is single-use: the route's config is checked on the principal the context's
    // hook verified, not by authenticating (and replaying the proof) again.
    const key = createDpopKey();
    const token = await as.mintAccessToken({
      scope: 'orders:write orders:read',
      cnf: { jkt: key.thumbprint },
    });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'http://localhost:80/orders',
      accessToken: token,
    });
    const dpop = await server.inject({
      url: '/orders',
      headers: { host: 'localhost:80', authorization: `DPoP ${token}`, dpop: proof },
    });
    expect(dpop.statusCode).toBe(200);
  });

  it("leaves the application's own config keys alone", async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    server.get(
      '/orders',
      { config: { rateLimit: { max: 5 }, audit: 'orders', scopes: ['orders:read'] } },
      async (request) => request.routeOptions.config.audit,
    );
    const res = await server.inject({
      url: '/orders',
      headers: bearer(await as.mintAccessToken()),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('orders');
  });

  it('refuses requirements on a public route: they would never be checked', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    expect(() =>
      server.get('/x', { config: { public: true, scopes: ['orders:read'] } }, async () => 'ok'),
    ).toThrow('tokenguard: "route GET /x.public" excludes requirements ("scopes")');
  });

  it("global: a route's config.introspect with its own requireToken() hook is honoured, not a 500", async () => {
    const server = app();
    await server.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      introspection: introspection(),
      global: true,
    });
    server.get(
      '/orders',
      {
        config: { introspect: true },
        onRequest: server.requireToken({ scopes: ['orders:read'] }),
      },
      async (request) => request.auth?.subject,
    );
    const token = await as.mintAccessToken();
    const accepted = await server.inject({ url: '/orders', headers: bearer(token) });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.body).toBe('user-123');
    // Introspected every time: a revoked JWT is refused although its signature is fine.
    as.revoke(token);
    const revoked = await server.inject({ url: '/orders', headers: bearer(token) });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    });
  });

  it("global: a requireToken({ introspect }) hook asks the authorization server, not only the global hook's checks", async () => {
    const server = app();
    await server.register(tokenGuard, {
      issuer: as.issuer,
      audience: as.audience,
      introspection: introspection(),
      global: true,
    });
    server.get(
      '/orders',
      { onRequest: server.requireToken({ introspect: true }) },
      async () => 'ok',
    );
    const token = await as.mintAccessToken();
    expect((await server.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(200);
    as.revoke(token);
    expect((await server.inject({ url: '/orders', headers: bearer(token) })).statusCode).toBe(401);
  });

  it("a requireToken() hook shared by two routes composes with each route's own config", async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience });
    const admin = server.requireToken({ claims: { role: { equals: 'admin' } } });
    server.get(
      '/acme',
      { config: { claims: { tenant: { equals: 'acme' } } }, onRequest: admin },
      async () => 'acme',
    );
    server.get(
      '/globex',
      { config: { claims: { tenant: { equals: 'globex' } } }, onRequest: admin },
      async () => 'globex',
    );
    const acmeAdmin = bearer(await as.mintAccessToken({ tenant: 'acme', role: 'admin' }));
    expect((await server.inject({ url: '/acme', headers: acmeAdmin })).statusCode).toBe(200);
    expect((await server.inject({ url: '/globex', headers: acmeAdmin })).statusCode).toBe(403);
  });

  it('refuses a route whose config and hook accept no acr in common, naming the route', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience });
    expect(() =>
      server.get(
        '/wire',
        {
          config: { acrValues: ['mfa'] },
          onRequest: server.requireToken({ acrValues: ['hwk'] }),
        },
        async () => 'ok',
      ),
    ).toThrow(
      'tokenguard: "acrValues" of the composed requirements have no value in common (["mfa"] and ["hwk"]): no token could pass (route GET /wire)',
    );
  });

  it('global: an optionalToken() hook does not open a route the global hook protects', async () => {
    const server = app();
    await server.register(tokenGuard, { issuer: as.issuer, audience: as.audience, global: true });
    server.get('/drafts', { onRequest: server.optionalToken() }, async () => 'ok');
    const res = await server.inject({ url: '/drafts' });
    expect(res.statusCode).toBe(401);
  });
});

describe('the published package', () => {
  it('loads with require() and import from dist', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const cjs = execFileSync(
      process.execPath,
      [
        '-e',
        "const m = require('./dist/index.cjs'); console.log(typeof m.tokenGuard, typeof m.default, m.tokenGuard[Symbol.for('plugin-meta')].name)",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(cjs.trim()).toBe('function function @tokenguard/fastify');
    const esm = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import d, { tokenGuard } from './dist/index.mjs'; console.log(d === tokenGuard)",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(esm.trim()).toBe('true');
  });
});
