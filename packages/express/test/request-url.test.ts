import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import { requestView } from '@tokenguard/core/adapter';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import type { Express, RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authErrorHandler, requireToken } from '../src/index.js';
import { expressReader } from '../src/request.js';
import { bearer, EXPRESS_VERSIONS, listen, send } from './helpers.js';

let as: AuthorizationServer;
let guard: TokenGuard;
let behindProxy: TokenGuard;
let queryGuard: TokenGuard;
let bodyGuard: TokenGuard;

beforeAll(async () => {
  as = await createAuthorizationServer();
  const base = { issuer: as.issuer, audience: as.audience };
  guard = createTokenGuard(base);
  behindProxy = createTokenGuard({ ...base, publicUrl: 'https://api.example.com/v1' });
  queryGuard = createTokenGuard({ ...base, tokenLocations: ['header', 'query'] });
  bodyGuard = createTokenGuard({ ...base, tokenLocations: ['body'] });
});

afterAll(async () => {
  await Promise.all([guard, behindProxy, queryGuard, bodyGuard].map((g) => g?.close()));
  await as?.close();
});

// Answers the public URL core sees, through the same mapper the middlewares use.
const showUrl =
  (g: () => TokenGuard): RequestHandler =>
  (req, res) => {
    try {
      res.json({ url: g().requestUrl(requestView(req, expressReader)) });
    } catch (error) {
      res.status(400).json({ code: (error as { code?: string }).code });
    }
  };

describe.each(EXPRESS_VERSIONS)('the request URL on %s', (_name, createApp) => {
  async function withApp(
    trustProxy: boolean | string,
    test: (baseUrl: string, port: number) => Promise<void>,
  ) {
    const app: Express = createApp();
    app.set('trust proxy', trustProxy);
    app.get(
      '/url',
      showUrl(() => guard),
    );
    app.get(
      '/proxied/url',
      showUrl(() => behindProxy),
    );
    app.get('/query', requireToken(queryGuard), (req, res) => {
      res.json({ subject: req.auth?.subject });
    });
    app.post(
      '/form',
      createApp.urlencoded({ extended: false }),
      requireToken(bodyGuard),
      (req, res) => {
        res.json({ subject: req.auth?.subject });
      },
    );
    app.use(authErrorHandler());
    const server = await listen(app);
    const deprecations: unknown[] = [];
    // depd (Express 4's deprecation helper) emits this event instead of printing when listened to.
    const onDeprecation = (warning: unknown) => deprecations.push(warning);
    process.on('deprecation', onDeprecation);
    try {
      await test(server.baseUrl, server.port);
      expect(deprecations).toEqual([]);
    } finally {
      process.off('deprecation', onDeprecation);
      await server.close();
    }
  }

  const forwarded = {
    'x-forwarded-host': 'api.example.com:8443',
    'x-forwarded-proto': 'https',
  };

  it('ignores X-Forwarded-* unless trust proxy allows them, and keeps the port', async () => {
    await withApp(false, async (baseUrl, port) => {
      const reply = await send(`${baseUrl}/url?page=2`, { headers: forwarded });
      expect(reply.json).toEqual({ url: `http://127.0.0.1:${port}/url?page=2` });
    });
  });

  it('uses X-Forwarded-Host and X-Forwarded-Proto from a trusted proxy', async () => {
    await withApp('loopback', async (baseUrl) => {
      const reply = await send(`${baseUrl}/url?page=2`, { headers: forwarded });
      expect(reply.json).toEqual({ url: 'https://api.example.com:8443/url?page=2' });
      const list = await send(`${baseUrl}/url`, {
        headers: { 'x-forwarded-host': 'first.example.com, second.example.com' },
      });
      expect(list.json).toEqual({ url: 'http://first.example.com/url' });
    });
  });

  it('does not trust a proxy that trust proxy does not name', async () => {
    await withApp('10.0.0.1', async (baseUrl, port) => {
      const reply = await send(`${baseUrl}/url`, { headers: forwarded });
      expect(reply.json).toEqual({ url: `http://127.0.0.1:${port}/url` });
    });
  });

  it('uses the Host header with its port', async () => {
    await withApp(false, async (baseUrl) => {
      const reply = await send(`${baseUrl}/url`, { headers: { host: 'localhost:3000' } });
      expect(reply.json).toEqual({ url: 'http://localhost:3000/url' });
    });
  });

  it('prefers the guard’s publicUrl to any header', async () => {
    await withApp(true, async (baseUrl) => {
      const reply = await send(`${baseUrl}/proxied/url?x=1`, { headers: forwarded });
      expect(reply.json).toEqual({ url: 'https://api.example.com/v1/proxied/url?x=1' });
    });
  });

  it('answers an invalid Host with 400 invalid_request when core needs the URL', async () => {
    await withApp('loopback', async (baseUrl) => {
      const token = await as.mintAccessToken();
      const badHost = await send(`${baseUrl}/query?access_token=${token}`, {
        headers: { host: 'api.example.com@evil.example' },
      });
      expect(badHost.status).toBe(400);
      expect(badHost.json).toEqual({
        error: 'invalid_request',
        error_description: 'The Host header is invalid',
      });
      const badForwarded = await send(`${baseUrl}/query?access_token=${token}`, {
        headers: { 'x-forwarded-host': 'evil.example/path' },
      });
      expect(badForwarded.status).toBe(400);
      expect((await send(`${baseUrl}/url`, { headers: { host: 'a b' } })).json).toEqual({
        code: 'invalid_request',
      });
    });
  });

  it('accepts a query token and marks the answer Cache-Control: private', async () => {
    await withApp(false, async (baseUrl) => {
      const reply = await send(`${baseUrl}/query?access_token=${await as.mintAccessToken()}`);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ subject: 'user-123' });
      expect(reply.headers['cache-control']).toBe('private');
      // Header and query at once is ambiguous.
      const token = await as.mintAccessToken();
      const both = await send(`${baseUrl}/query?access_token=${token}`, { headers: bearer(token) });
      expect(both.status).toBe(400);
    });
  });

  it('reads a form-body token from req.body', async () => {
    await withApp(false, async (baseUrl) => {
      const reply = await send(`${baseUrl}/form`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${await as.mintAccessToken()}`,
      });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ subject: 'user-123' });
    });
  });
});
