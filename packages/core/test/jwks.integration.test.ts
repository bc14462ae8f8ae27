import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { channels, type JwksEvent } from '../src/diagnostics.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';
import { INVALID_TOKEN, startApi, testClock } from './support/api.js';

let as: AuthorizationServer;
let guard: TokenGuard | undefined;
let api: Awaited<ReturnType<typeof startApi>> | undefined;
let clock: ReturnType<typeof testClock>;

beforeEach(async () => {
  as = await createAuthorizationServer();
  clock = testClock();
});

afterEach(async () => {
  await api?.close();
  await guard?.close();
  await as.close();
  api = undefined;
  guard = undefined;
});

async function start(options: Partial<TokenGuardOptions> = {}) {
  guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    clock: clock.now,
    ...options,
  });
  api = await startApi(guard);
  return api;
}

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The authorization service is temporarily unavailable',
};

describe('discovery', () => {
  it('finds the JWKS through RFC 8414 metadata, once', async () => {
    const api = await start();
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    expect(as.counts.metadata).toBe(1);
    expect(as.counts.jwks).toBe(1);
  });

  it('discovers an issuer with a path (RFC 8414 path-insert)', async () => {
    const tenant = await createAuthorizationServer({ issuerPath: '/tenant-a' });
    try {
      guard = createTokenGuard({ issuer: tenant.issuer, audience: tenant.audience });
      api = await startApi(guard);
      expect(tenant.issuer).toMatch(/\/tenant-a$/);
      expect((await api.call(await tenant.mintAccessToken())).status).toBe(200);
    } finally {
      await tenant.close();
    }
  });

  it('uses a configured jwksUri without discovery', async () => {
    const api = await start({ jwksUri: as.jwksUri });
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    expect(as.counts.metadata).toBe(0);
  });

  it('answers 503 when the metadata names another issuer', async () => {
    const api = await start({ issuer: `${as.issuer}/other` });
    const res = await api.call(await as.mintAccessToken({ iss: `${as.issuer}/other` }));
    expect(res.status).toBe(503);
  });
});

describe('JWKS outages fail closed with 503 and recover', () => {
  it('JWKS down at startup: 503 with Retry-After, no refetch within the backoff, then recovery', async () => {
    as.faults.set('jwks', { status: 500 });
    const api = await start({ jwks: { failureBackoff: 5 } });
    const token = await as.mintAccessToken();
    const first = await api.call(token);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toMatch(/^[1-5]$/);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.challenge).toBeNull();
    expect(first.body).toEqual(UNAVAILABLE);
    for (let i = 0; i < 10; i++) expect((await api.call(token)).status).toBe(503);
    expect(as.counts.jwks).toBe(1);

    as.faults.clear('jwks');
    clock.advance(6);
    expect((await api.call(token)).status).toBe(200);
    expect(as.counts.jwks).toBe(2);
  });

  it.each([
    ['hangs', { hang: true }],
    ['answers too slowly', { delayMs: 10_000 }],
  ] as const)(
    'JWKS %s: 503 within the fetch timeout',
    async (_name, fault) => {
      as.faults.set('jwks', fault);
      const api = await start({ jwks: { timeout: 0.3 } });
      const res = await api.call(await as.mintAccessToken());
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).not.toBeNull();
    },
    5_000,
  );

  it.each([
    ['an oversized body', { oversized: 600 * 1024 }],
    ['a non-JSON body', { body: '<html>oops</html>', contentType: 'text/html' }],
    ['a 404', { status: 404 }],
  ] as const)('JWKS answering %s: 503', async (_name, fault) => {
    as.faults.set('jwks', fault);
    const api = await start();
    expect((await api.call(await as.mintAccessToken())).status).toBe(503);
  });

  it('metadata down: 503', async () => {
    as.faults.set('metadata', { status: 500 });
    const api = await start();
    expect((await api.call(await as.mintAccessToken())).status).toBe(503);
  });

  it('serves the last good key set during an outage, up to staleMaxAge, then 503', async () => {
    const events: JwksEvent[] = [];
    const listener = (event: unknown) => events.push(event as JwksEvent);
    diagnostics.subscribe(channels.jwks, listener);
    try {
      const api = await start({ jwks: { cacheMaxAge: 60, staleMaxAge: 60, failureBackoff: 1 } });
      expect((await api.call(await as.mintAccessToken())).status).toBe(200);
      as.faults.set('jwks', { status: 500 });
      clock.advance(90);
      // Stale but within the limit: accepted while a refresh is attempted in the background.
      expect((await api.call(await as.mintAccessToken({ sub: 'stale' }))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events.map((e) => e.event)).toContain('stale');
      clock.advance(40);
      expect((await api.call(await as.mintAccessToken({ sub: 'too-stale' }))).status).toBe(503);
    } finally {
      diagnostics.unsubscribe(channels.jwks, listener);
    }
  });

  it('reports how long each discovery, fetch and failed fetch took (OpenTelemetry records it)', async () => {
    const events: JwksEvent[] = [];
    const listener = (event: unknown) => events.push(event as JwksEvent);
    diagnostics.subscribe(channels.jwks, listener);
    try {
      const api = await start({ jwks: { cacheMaxAge: 60, failureBackoff: 1 } });
      expect((await api.call(await as.mintAccessToken())).status).toBe(200);
      as.faults.set('jwks', { status: 500 });
      clock.advance(90);
      expect((await api.call(await as.mintAccessToken({ sub: 'refresh' }))).status).toBe(200);
      // The refresh runs in the background; its failure ends with `stale`.
      await vi.waitFor(() => expect(events.at(-1)?.event).toBe('stale'));
      const timed = events.map((e) => [e.event, e.detail, typeof e.durationMs]);
      expect(timed).toEqual([
        ['discovery', undefined, 'number'],
        ['fetch', undefined, 'number'],
        ['discovery', undefined, 'number'], // metadata is kept as long as keys (cacheMaxAge)
        ['failure', 'status', 'number'],
        ['stale', undefined, 'undefined'],
      ]);
    } finally {
      diagnostics.unsubscribe(channels.jwks, listener);
    }
  });
});

describe('rotation and the cache', () => {
  it('accepts a new kid after exactly one refetch', async () => {
    const api = await start();
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    await as.rotateKeys();
    clock.advance(31);
    expect((await api.call(await as.mintAccessToken({ sub: 'rotated' }))).status).toBe(200);
    expect((await api.call(await as.mintAccessToken({ sub: 'rotated-2' }))).status).toBe(200);
    expect(as.counts.jwks).toBe(2);
  });

  it('rejects a token whose key was removed, even though it was cached', async () => {
    const api = await start();
    const old = await as.mintAccessToken();
    expect((await api.call(old)).status).toBe(200);
    await as.rotateKeys();
    clock.advance(31);
    // A token with the new kid makes the guard refetch; the old key is gone from the set.
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    const res = await api.call(old);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(INVALID_TOKEN);
  });

  it('100 concurrent requests on a cold cache make exactly one JWKS fetch', async () => {
    const api = await start();
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => as.mintAccessToken({ sub: `u${i}` })),
    );
    const results = await Promise.all(tokens.map((token) => api.call(token)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(as.counts.jwks).toBe(1);
    expect(as.counts.metadata).toBe(1);
  });

  it('a flood of unknown kids makes at most one refetch per cooldown', async () => {
    const api = await start({ jwks: { cooldown: 30 } });
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    expect(as.counts.jwks).toBe(1);
    const flood = async () => {
      const tokens = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          as.mintAccessToken({}, { key: 'unpublished', kid: `random-${i}-${Math.random()}` }),
        ),
      );
      const results = await Promise.all(tokens.map((token) => api.call(token)));
      expect(results.every((r) => r.status === 401)).toBe(true);
    };
    // Within the cooldown of the first fetch: no refetch at all.
    await flood();
    expect(as.counts.jwks).toBe(1);
    clock.advance(31);
    await flood();
    expect(as.counts.jwks).toBe(2);
    await flood();
    expect(as.counts.jwks).toBe(2);
    clock.advance(31);
    await flood();
    expect(as.counts.jwks).toBe(3);
  });

  it('warmUp fetches keys before the first request, and rejects when it cannot', async () => {
    guard = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    await guard.warmUp();
    expect(as.counts.jwks).toBe(1);
    as.faults.set('jwks', { status: 500 });
    const cold = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    await expect(cold.warmUp()).rejects.toThrow();
    await cold.close();
  });
});

describe('several issuers', () => {
  it("only the token's issuer's keys can verify it", async () => {
    const other = await createAuthorizationServer({ audience: as.audience });
    try {
      guard = createTokenGuard({ issuer: [as.issuer, other.issuer], audience: as.audience });
      api = await startApi(guard);
      expect((await api.call(await as.mintAccessToken())).status).toBe(200);
      expect((await api.call(await other.mintAccessToken())).status).toBe(200);
      // Signed by one issuer's key, claiming to be the other.
      const forged = await as.mintAccessToken({ iss: other.issuer });
      const res = await api.call(forged);
      expect(res.status).toBe(401);
      expect(res.challenge).toBe(INVALID_TOKEN);
      const res2 = await api.call(await other.mintAccessToken({ iss: as.issuer }));
      expect(res2.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('accepts per-issuer audiences through `issuers`', async () => {
    const other = await createAuthorizationServer({ audience: 'https://api.other.example' });
    try {
      guard = createTokenGuard({
        audience: as.audience,
        issuers: [
          { issuer: as.issuer },
          { issuer: other.issuer, audience: 'https://api.other.example' },
        ],
      });
      api = await startApi(guard);
      expect((await api.call(await other.mintAccessToken())).status).toBe(200);
      expect((await api.call(await other.mintAccessToken({ aud: as.audience }))).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('a connection closed under the request', () => {
  it('retries a JWKS GET once on a fresh connection instead of failing closed at once', async () => {
    let requests = 0;
    const flaky = createServer((req, res) => {
      requests++;
      // The first request dies with its connection, as after a server restart.
      if (requests === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(as.jwks()));
    });
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    try {
      const { port } = flaky.address() as { port: number };
      const api = await start({ jwksUri: `http://127.0.0.1:${port}/jwks` });
      expect((await api.call(await as.mintAccessToken())).status).toBe(200);
      expect(requests).toBe(2);
    } finally {
      flaky.close();
    }
  });
});
