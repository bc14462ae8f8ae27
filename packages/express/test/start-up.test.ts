import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenGuard, UpstreamError } from '@tokenguard/core';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import express from 'express';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { requireToken, warmUp } from '../src/index.js';
import { bearer, listen, send } from './helpers.js';

// Fail fast or start and warn: warmUp() before listen, for the environment's guard, a guard, or
// the guard behind a middleware. And the guard requireToken() makes says when its issuer is down,
// once, on console.warn.

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
  vi.restoreAllMocks();
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('TOKENGUARD_')) delete process.env[name];
  }
  Object.assign(process.env, saved);
});

let as: AuthorizationServer;
let refused: string;
beforeAll(async () => {
  as = await createAuthorizationServer();
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  refused = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  await new Promise((resolve) => server.close(resolve));
});
afterAll(() => as?.close());

describe('warmUp()', () => {
  it("rejects for the environment's guard, naming the URL and ECONNREFUSED", async () => {
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    process.env.TOKENGUARD_JWKS_URI = refused;
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = await warmUp().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe(
      `tokenguard: the JWKS of issuer ${as.issuer} failed (${refused}): ECONNREFUSED`,
    );
  });

  it('TOKENGUARD_WARM_UP=warn starts anyway, with one warning', async () => {
    process.env.TOKENGUARD_ISSUER = as.issuer;
    process.env.TOKENGUARD_AUDIENCE = as.audience;
    process.env.TOKENGUARD_JWKS_URI = refused;
    process.env.TOKENGUARD_WARM_UP = 'warn';
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await warmUp();
    expect(warned.mock.calls).toEqual([
      [
        `tokenguard: the JWKS of issuer ${as.issuer} is down at ${refused}: ECONNREFUSED; requests that need its keys are answered 503 until it recovers`,
      ],
    ]);
  });

  it('warms the guard behind a middleware, and a guard with a mode', async () => {
    as.resetCounts();
    const middleware = requireToken({ issuer: as.issuer, audience: as.audience });
    await warmUp(middleware);
    expect(as.counts.jwks).toBe(1);
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, jwksUri: refused });
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await warmUp(guard, 'warn');
    expect(warned).toHaveBeenCalledTimes(1);
    expect(String(warned.mock.calls[0]?.[0])).toMatch(
      /ECONNREFUSED \(warmUp: 'warn': starting anyway\)$/,
    );
    await expect(warmUp(guard)).rejects.toThrow('ECONNREFUSED');
    await guard.close();
    await expect(warmUp((() => {}) as never)).rejects.toThrow(TypeError);
  });
});

describe('the guard requireToken() makes', () => {
  it('says once on console.warn that the JWKS is down, and nothing per rejected request', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const app = express();
    app.use(
      requireToken({
        issuer: as.issuer,
        audience: as.audience,
        jwksUri: refused,
        jwks: { failureBackoff: 0 },
      }),
    );
    app.get('/me', (_req, res) => {
      res.end();
    });
    const server = await listen(app);
    try {
      for (let i = 0; i < 3; i++) {
        const reply = await send(`${server.baseUrl}/me`, {
          headers: bearer(await as.mintAccessToken()),
        });
        expect(reply.status).toBe(503);
      }
      expect(warned).toHaveBeenCalledTimes(1);
      expect(String(warned.mock.calls[0]?.[0])).toContain(`${refused}: ECONNREFUSED`);
      expect(debug).not.toHaveBeenCalled();
    } finally {
      await server.close();
    }
  });
});
