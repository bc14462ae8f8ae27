import { type AuthError, createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  CONFORMANCE_REALM,
  CONFORMANCE_RESOURCE,
  conformanceGuardOptions,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import type { ErrorRequestHandler, Express } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authErrorHandler, requireScopes, requireToken } from '../src/index.js';
import { bearer, EXPRESS_VERSIONS, listen, send } from './helpers.js';

const METADATA = `${CONFORMANCE_RESOURCE}/.well-known/oauth-protected-resource`;

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

describe.each(EXPRESS_VERSIONS)('errors on %s', (_name, createApp) => {
  function withRoutes(app: Express, forwardErrors = false): Express {
    // The default says nothing about errors: only forwarding is an option to state.
    const choice = forwardErrors ? { forwardErrors } : {};
    app.get('/me', requireToken(guard, choice), (req, res) => {
      res.json({ subject: req.auth?.subject });
    });
    app.post(
      '/orders',
      requireToken(guard, { scopes: ['orders:write'], ...choice }),
      (_req, res) => {
        res.status(201).end();
      },
    );
    app.get(
      '/orders/:id',
      requireToken(guard, choice),
      requireScopes('orders:admin'),
      (_req, res) => {
        res.end();
      },
    );
    app.get('/boom', () => {
      throw new Error('not an auth error');
    });
    return app;
  }

  it('right by default: with no error handler, the RFC 6750 answer with a JSON body, and no log', async () => {
    // Production mode: Express's own handler would send an HTML page and log a stack for each.
    const app = withRoutes(createApp().set('env', 'production'));
    const server = await listen(app);
    const logged = ['error', 'warn', 'log', 'info'].map((level) =>
      vi.spyOn(console, level as 'error').mockImplementation(() => {}),
    );
    try {
      const expired = await send(`${server.baseUrl}/me`, {
        headers: bearer(await as.mintAccessToken({}, { expiresIn: -120 })),
      });
      expect(expired).toMatchObject({
        status: 401,
        headers: {
          'www-authenticate': `Bearer realm="${CONFORMANCE_REALM}", error="invalid_token", error_description="The access token expired", resource_metadata="${METADATA}"`,
          'content-type': 'application/json',
        },
        json: { error: 'invalid_token', error_description: 'The access token expired' },
      });
      const forbidden = await send(`${server.baseUrl}/orders`, {
        method: 'POST',
        headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
      });
      expect(forbidden.status).toBe(403);
      expect(forbidden.json).toEqual({
        error: 'insufficient_scope',
        error_description: 'The access token lacks the required scope',
      });
      // requireScopes() after requireToken() answers the same way.
      const admin = await send(`${server.baseUrl}/orders/1`, {
        headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
      });
      expect(admin.status).toBe(403);
      expect(admin.headers['www-authenticate']).toContain('scope="orders:admin"');
      expect(admin.json).toEqual(forbidden.json);
      const malformed = await send(`${server.baseUrl}/me`, {
        headers: { authorization: 'Bearer' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.json).toEqual({
        error: 'invalid_request',
        error_description: 'The request is malformed',
      });
      for (const reply of [expired, forbidden, admin, malformed]) {
        expect(reply.text).not.toMatch(/<html|<pre|at \w+ \(/i);
      }
      for (const spy of logged) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of logged) spy.mockRestore();
      await server.close();
    }
  });

  it("forwardErrors: true hands the AuthError to next(err): Express's default handler then answers with the status and the challenge", async () => {
    const app = withRoutes(createApp().set('env', 'production'), true);
    const server = await listen(app);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const missing = await send(`${server.baseUrl}/me`);
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe(
        `Bearer realm="${CONFORMANCE_REALM}", resource_metadata="${METADATA}"`,
      );
      const forbidden = await send(`${server.baseUrl}/orders/1`, {
        headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
      });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['www-authenticate']).toContain('scope="orders:admin"');
      // The body and the log line are finalhandler's: why the default is to answer.
      expect(forbidden.text).toContain('Forbidden');
      expect(logged).toHaveBeenCalledTimes(2);
    } finally {
      logged.mockRestore();
      await server.close();
    }
  });

  it('with forwardErrors, a user error handler can branch on err.code', async () => {
    const app = withRoutes(createApp(), true);
    const handler: ErrorRequestHandler = (err, _req, res, next) => {
      const { code, status, headers } = err as AuthError;
      if (code === 'insufficient_scope') {
        res.status(status).set(headers).json({ message: 'ask an admin for orders:write' });
      } else if (code === 'missing_token') {
        res.status(status).set(headers).json({ message: 'log in first' });
      } else next(err);
    };
    app.use(handler, authErrorHandler());
    const server = await listen(app);
    try {
      const forbidden = await send(`${server.baseUrl}/orders`, {
        method: 'POST',
        headers: bearer(await as.mintAccessToken({ scope: 'orders:read' })),
      });
      expect(forbidden.status).toBe(403);
      expect(forbidden.json).toEqual({ message: 'ask an admin for orders:write' });
      expect(forbidden.headers['www-authenticate']).toContain('scope="orders:write"');

      const missing = await send(`${server.baseUrl}/me`);
      expect(missing.status).toBe(401);
      expect(missing.json).toEqual({ message: 'log in first' });

      // Not branched on: authErrorHandler() renders it.
      const invalid = await send(`${server.baseUrl}/me`, { headers: bearer('not-a-jwt') });
      expect(invalid.status).toBe(401);
      expect(invalid.json).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is invalid',
      });
    } finally {
      await server.close();
    }
  });

  it('authErrorHandler() passes other errors on untouched', async () => {
    const app = withRoutes(createApp());
    const seen: unknown[] = [];
    const last: ErrorRequestHandler = (err, _req, res, _next) => {
      seen.push(err);
      res.status(500).json({ message: 'server error' });
    };
    app.use(authErrorHandler(), last);
    const server = await listen(app);
    try {
      const reply = await send(`${server.baseUrl}/boom`);
      expect(reply.status).toBe(500);
      expect(reply.json).toEqual({ message: 'server error' });
      expect(seen).toHaveLength(1);
      expect((seen[0] as Error).message).toBe('not an auth error');
    } finally {
      await server.close();
    }
  });

  it('merges Access-Control-Expose-Headers with the one a CORS middleware set', async () => {
    const app = createApp();
    app.use((req, res, next) => {
      if (req.path === '/list') res.setHeader('Access-Control-Expose-Headers', ['X-Request-Id']);
      else res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, www-authenticate');
      next();
    });
    app.get('/me', requireToken(guard), (_req, res) => {
      res.end();
    });
    app.get('/list', requireToken(guard), (_req, res) => {
      res.end();
    });
    app.use(authErrorHandler());
    const server = await listen(app);
    try {
      const origin = { origin: 'https://app.example.com' };
      const duplicate = await send(`${server.baseUrl}/me`, { headers: origin });
      expect(duplicate.status).toBe(401);
      expect(duplicate.headers['access-control-expose-headers']).toBe(
        'X-Request-Id, www-authenticate',
      );
      const list = await send(`${server.baseUrl}/list`, { headers: origin });
      expect(list.headers['access-control-expose-headers']).toBe('X-Request-Id, WWW-Authenticate');
      // Same-origin requests get no expose header from core, and the CORS value stays as set.
      const sameOrigin = await send(`${server.baseUrl}/list`);
      expect(sameOrigin.headers['access-control-expose-headers']).toBe('X-Request-Id');
    } finally {
      await server.close();
    }
  });

  it('answers a missing token with a bare 401 and no body', async () => {
    const app = withRoutes(createApp());
    app.use(authErrorHandler());
    const server = await listen(app);
    try {
      const reply = await send(`${server.baseUrl}/me`);
      expect(reply.status).toBe(401);
      expect(reply.text).toBe('');
      expect(reply.headers['content-type']).toBeUndefined();
      expect(reply.headers['www-authenticate']).toBe(
        `Bearer realm="${CONFORMANCE_REALM}", resource_metadata="${METADATA}"`,
      );
    } finally {
      await server.close();
    }
  });
});
