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

const bearer = (token: string): TokenRequest => ({
  method: 'GET',
  url: URL,
  headers: { authorization: `Bearer ${token}` },
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
