import diagnostics from 'node:diagnostics_channel';
import {
  AuthError,
  channels,
  createTokenGuard,
  StoreFullError,
  type TokenGuard,
  type TokenRequest,
} from '@tokenguard/core';
import { type RedisServer, redisSkipReason, startRedisServer } from '@tokenguard/suites';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';

// Guards sharing state through a real redis-server: two instances of one API (replay detection and
// introspection answers shared, Redis down and back), two APIs on one Redis (never each other's
// answers), and a Redis at maxmemory (a full replay memory refuses, never forgets).
const skip = redisSkipReason();
const URL = 'https://api.example.com/orders';

async function outcome(guard: TokenGuard, request: TokenRequest) {
  try {
    await guard.authenticate(request);
    return { status: 200 };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return { status: error.status, reason: error.reason };
  }
}

const status = async (guard: TokenGuard, request: TokenRequest) =>
  (await outcome(guard, request)).status;

const bearer = (token: string): TokenRequest => ({
  method: 'GET',
  url: URL,
  headers: { authorization: `Bearer ${token}` },
});

// Two guards in one process, as two API instances would be: they share nothing but Redis.
describe.skipIf(skip !== undefined)('two guards sharing one Redis', () => {
  let redis: RedisServer;
  let as: AuthorizationServer;
  const stores: RedisStore[] = [];
  const guards: TokenGuard[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    as = await createAuthorizationServer();
  });
  afterAll(async () => {
    for (const guard of guards) await guard.close();
    for (const store of stores) await store.close();
    await as?.close();
    await redis?.stop();
  });

  function instance(): TokenGuard {
    const store = createRedisStore({ url: redis.url });
    stores.push(store);
    const guard = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      store,
      dpop: {},
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
      // No local verified-token cache: every answer below comes from Redis or upstream.
      cache: false,
    });
    guards.push(guard);
    return guard;
  }

  it('catches a DPoP proof replayed against the other instance', async () => {
    const [a, b] = [instance(), instance()];
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu: URL, accessToken: token });
    const request = {
      method: 'GET',
      url: URL,
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    };
    expect(await status(a!, request)).toBe(200);
    expect(await status(b!, request)).toBe(401);
    expect(await status(a!, request)).toBe(401);
  });

  it('serves an introspection answer cached by one instance to the other', async () => {
    const [a, b] = [instance(), instance()];
    const token = await as.mintOpaqueToken();
    const request = { method: 'GET', url: URL, headers: { authorization: `Bearer ${token}` } };
    as.resetCounts();
    expect(await status(a!, request)).toBe(200);
    expect(await status(b!, request)).toBe(200);
    expect(as.counts.introspection).toBe(1);
  });

  it('Redis down: DPoP answers 503, bearer JWTs still pass, opaque tokens fall back to the endpoint; back up: DPoP works again', {
    timeout: 45_000,
  }, async () => {
    const guard = instance();
    const key = createDpopKey();
    const dpopRequest = async () => {
      const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
      const proof = await createDpopProof({ key, htm: 'GET', htu: URL, accessToken: token });
      return {
        method: 'GET',
        url: URL,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      };
    };
    const bearer = async () => ({
      method: 'GET',
      url: URL,
      headers: { authorization: `Bearer ${await as.mintAccessToken()}` },
    });
    const opaque = async () => ({
      method: 'GET',
      url: URL,
      headers: { authorization: `Bearer ${await as.mintOpaqueToken()}` },
    });

    expect(await status(guard, await dpopRequest())).toBe(200);
    await redis.kill();
    try {
      const unavailable = await guard
        .authenticate(await dpopRequest())
        .catch((error: unknown) => error);
      expect(unavailable).toBeInstanceOf(AuthError);
      expect((unavailable as AuthError).status).toBe(503);
      expect((unavailable as AuthError).headers['Retry-After']).toBe('1');
      expect(await status(guard, await bearer())).toBe(200);
      expect(await status(guard, await opaque())).toBe(200);
    } finally {
      await redis.restart();
    }
    let recovered = 0;
    for (let i = 0; i < 250 && recovered !== 200; i++) {
      recovered = await status(guard, await dpopRequest());
      if (recovered !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered).toBe(200);
  });
});

describe.skipIf(skip !== undefined)('two APIs sharing one Redis, default key prefix', () => {
  let redis: RedisServer;
  let asA: AuthorizationServer;
  let asB: AuthorizationServer;
  let store: RedisStore;
  const guards: TokenGuard[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    [asA, asB] = await Promise.all([createAuthorizationServer(), createAuthorizationServer()]);
    store = createRedisStore({ url: redis.url });
  });
  afterAll(async () => {
    for (const guard of guards) await guard.close();
    await store?.close();
    await Promise.all([asA?.close(), asB?.close()]);
    await redis?.stop();
  });

  function guardFor(as: AuthorizationServer): TokenGuard {
    const guard = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      store,
      cache: false,
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
        // The answers below carry no aud; accepting that is this test's explicit choice.
        requireAudience: false,
      },
    });
    guards.push(guard);
    return guard;
  }

  it('never reads the other’s introspection answers: B asks its own authorization server', async () => {
    const [a, b] = [guardFor(asA), guardFor(asB)];
    // RFC 7662 lets an answer leave out iss and aud: nothing in it tells the two APIs apart.
    const token = await asA.mintOpaqueToken({ iss: undefined, aud: undefined, scope: 'admin' });
    asA.resetCounts();
    asB.resetCounts();
    expect(await outcome(a, bearer(token))).toEqual({ status: 200 });
    expect(await outcome(b, bearer(token))).toMatchObject({ status: 401 });
    expect([asA.counts.introspection, asB.counts.introspection]).toEqual([1, 1]);
    // A still serves its own answer from Redis.
    expect(await outcome(a, bearer(token))).toEqual({ status: 200 });
    expect(asA.counts.introspection).toBe(1);
  });
});

describe.skipIf(skip !== undefined)(
  'Redis at maxmemory (noeviction): the replay memory is full',
  () => {
    let redis: RedisServer;
    let as: AuthorizationServer;
    let store: RedisStore;
    let admin: Redis;
    let guard: TokenGuard;

    beforeAll(async () => {
      redis = await startRedisServer();
      as = await createAuthorizationServer();
      store = createRedisStore({ url: redis.url });
      admin = new Redis(redis.url);
      guard = createTokenGuard({
        issuer: as.issuer,
        audience: as.audience,
        store,
        dpop: { algorithms: ['ES256'] },
      });
    });
    afterEach(async () => {
      await admin.config('SET', 'maxmemory', '0');
    });
    afterAll(async () => {
      await guard?.close();
      await store?.close();
      admin?.disconnect();
      await as?.close();
      await redis?.stop();
    });

    it('refuses new jtis with 503 and a `full` event, and never accepts a captured proof again', async () => {
      const events: unknown[] = [];
      const listen = (event: unknown) => events.push(event);
      diagnostics.subscribe(channels.store, listen);
      try {
        expect(await admin.config('GET', 'maxmemory-policy')).toEqual([
          'maxmemory-policy',
          'noeviction',
        ]);
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
        const request = async () => ({
          method: 'GET',
          url: URL,
          headers: {
            authorization: `DPoP ${token}`,
            dpop: await createDpopProof({ key, htm: 'GET', htu: URL, accessToken: token }),
          },
        });
        const captured = await request();
        expect(await outcome(guard, captured)).toEqual({ status: 200 });

        // Leave Redis a little room above what it uses now, then fill it with jtis.
        const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
        await admin.config('SET', 'maxmemory', String(used + 64 * 1024));
        let full: unknown;
        for (let i = 0; i < 20_000 && full === undefined; i++) {
          await store.setIfAbsent(`dpop:filler-${i}`, '1', 60_000).catch((error: unknown) => {
            full = error;
          });
        }
        expect(full).toBeInstanceOf(StoreFullError);

        expect(await outcome(guard, await request())).toEqual({
          status: 503,
          reason: 'dpop.replay_store_full',
        });
        expect((await outcome(guard, captured)).status).not.toBe(200);
        expect(events).toContainEqual({
          operation: 'setIfAbsent',
          event: 'full',
          detail: 'dpop replay store full',
        });
        // Bearer tokens need no replay memory.
        expect(await outcome(guard, bearer(await as.mintAccessToken()))).toEqual({ status: 200 });

        // Room again: DPoP works again, and the captured proof is still a replay.
        await admin.config('SET', 'maxmemory', '0');
        expect(await outcome(guard, await request())).toEqual({ status: 200 });
        expect(await outcome(guard, captured)).toEqual({ status: 401, reason: 'dpop.replay' });
      } finally {
        diagnostics.unsubscribe(channels.store, listen);
      }
    });
  },
);
