import { randomBytes } from 'node:crypto';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { IntrospectionOptions } from '../src/introspection/options.js';

// A resource server that introspects is an oracle for whoever sends it tokens (RFC 7662 §4): a
// flood of made-up opaque tokens must not become a flood on the authorization server, and a
// strange answer about one made-up token must not take every other opaque token down with it.
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

async function setUp(
  introspection: Partial<IntrospectionOptions> = {},
  server: Parameters<typeof createAuthorizationServer>[0] = {},
): Promise<{ as: AuthorizationServer; guard: TokenGuard }> {
  const as = await createAuthorizationServer(server);
  const guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
      ...introspection,
    },
  });
  open.push(as, guard);
  // Discover the endpoint before counting anything.
  await expect(outcome(guard, await as.mintOpaqueToken())).resolves.toMatchObject({ status: 200 });
  as.resetCounts();
  return { as, guard };
}

async function outcome(guard: TokenGuard, token: string) {
  try {
    await guard.authenticate({
      method: 'GET',
      url: 'https://api.example.com/orders',
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: 200 };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return { status: error.status, reason: error.reason, headers: error.headers };
  }
}

const madeUp = () => randomBytes(24).toString('base64url');

describe('outbound introspection concurrency is capped', () => {
  it('200 made-up tokens in flight against a slow server: at most 16 calls at once, then 503', {
    timeout: 30_000,
  }, async () => {
    const { as, guard } = await setUp();
    as.faults.set('introspection', { delayMs: 300 });
    const results = await Promise.all(Array.from({ length: 200 }, () => outcome(guard, madeUp())));
    as.faults.clear('introspection');
    expect(as.peakConcurrency.introspection).toBeGreaterThan(0);
    expect(as.peakConcurrency.introspection).toBeLessThanOrEqual(16);
    const statuses = new Set(results.map((r) => r.status));
    expect([...statuses].sort()).toEqual([401, 503]);
    for (const result of results.filter((r) => r.status === 503)) {
      expect(result.headers?.['Retry-After']).toBe('1');
      expect(result.reason).toMatch(/^introspection\.(saturated|queue_timeout)$/);
    }
    // Our own limit is not an outage of the server: no backoff follows.
    expect(await outcome(guard, await as.mintOpaqueToken())).toEqual({ status: 200 });
  });

  it('maxConcurrentCalls and maxQueuedCalls are configurable; a full queue answers 503 at once', async () => {
    const { as, guard } = await setUp({ maxConcurrentCalls: 4, maxQueuedCalls: 0 });
    as.faults.set('introspection', { delayMs: 200 });
    const results = await Promise.all(Array.from({ length: 10 }, () => outcome(guard, madeUp())));
    as.faults.clear('introspection');
    expect(results.map((r) => r.status).sort()).toEqual([
      ...Array(4).fill(401),
      ...Array(6).fill(503),
    ]);
    expect(as.counts.introspection).toBe(4);
    expect(as.peakConcurrency.introspection).toBe(4);
  });

  it('a queued call waits at most queueTimeout', async () => {
    const { as, guard } = await setUp({ maxConcurrentCalls: 1, queueTimeout: 0.1 });
    as.faults.set('introspection', { delayMs: 1_000 });
    const results = await Promise.all(Array.from({ length: 3 }, () => outcome(guard, madeUp())));
    as.faults.clear('introspection');
    expect(results.map((r) => r.status)).toEqual([401, 503, 503]);
    expect(results[1]?.reason).toBe('introspection.queue_timeout');
    expect(as.counts.introspection).toBe(1);
  });

  it('names the options in configuration errors', () => {
    const make = (introspection: Partial<IntrospectionOptions>) => () =>
      createTokenGuard({
        issuer: 'https://as.example/',
        audience: 'https://api.example',
        introspection: { clientId: 'api', clientSecret: 'secret', ...introspection },
      });
    expect(make({ maxConcurrentCalls: 0 })).toThrow('"introspection.maxConcurrentCalls"');
    expect(make({ maxConcurrentCalls: 1.5 })).toThrow('"introspection.maxConcurrentCalls"');
    expect(make({ maxQueuedCalls: -1 })).toThrow('"introspection.maxQueuedCalls"');
    expect(make({ queueTimeout: 120 })).toThrow('"introspection.queueTimeout"');
  });
});

describe('only signs that the server is down start the failure backoff', () => {
  it('a 413 for one large made-up token rejects that token; the next valid token is accepted', async () => {
    const { as, guard } = await setUp({}, { maxRequestBodySize: 4096 });
    const large = await outcome(guard, 'A'.repeat(6000));
    expect(large).toMatchObject({ status: 401, reason: 'introspection.refused' });
    expect(as.counts.introspection).toBe(1);
    expect(await outcome(guard, await as.mintOpaqueToken())).toEqual({ status: 200 });
  });

  it.each([
    [422, 401],
    [404, 503],
    [403, 503],
  ])('a %i answer does not start it (then %i)', async (code, expected) => {
    const { as, guard } = await setUp();
    as.faults.set('introspection', { status: code, times: 1 });
    expect((await outcome(guard, madeUp())).status).toBe(expected);
    expect(await outcome(guard, await as.mintOpaqueToken())).toEqual({ status: 200 });
  });

  it.each([500, 502, 503, 429])(
    'a %i answer starts it: 503 without calling again',
    async (code) => {
      const { as, guard } = await setUp({ failureBackoff: 5 });
      as.faults.set('introspection', { status: code, times: 1 });
      expect((await outcome(guard, madeUp())).status).toBe(503);
      const next = await outcome(guard, await as.mintOpaqueToken());
      expect(next).toMatchObject({ status: 503, reason: 'introspection.backoff' });
      expect(as.counts.introspection).toBe(1);
    },
  );
});
