import { AuthError, createTokenGuard, type TokenGuard, type TokenRequest } from '@tokenguard/core';
import { type RedisServer, redisSkipReason, startRedisServer } from '@tokenguard/suites';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';

const skip = redisSkipReason();
const URL_A = 'https://api.example.com/orders';

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

  async function status(guard: TokenGuard, request: TokenRequest): Promise<number> {
    try {
      await guard.authenticate(request);
      return 200;
    } catch (error) {
      if (error instanceof AuthError) return error.status;
      throw error;
    }
  }

  it('catches a DPoP proof replayed against the other instance', async () => {
    const [a, b] = [instance(), instance()];
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu: URL_A, accessToken: token });
    const request = {
      method: 'GET',
      url: URL_A,
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    };
    expect(await status(a!, request)).toBe(200);
    expect(await status(b!, request)).toBe(401);
    expect(await status(a!, request)).toBe(401);
  });

  it('serves an introspection answer cached by one instance to the other', async () => {
    const [a, b] = [instance(), instance()];
    const token = await as.mintOpaqueToken();
    const request = { method: 'GET', url: URL_A, headers: { authorization: `Bearer ${token}` } };
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
      const proof = await createDpopProof({ key, htm: 'GET', htu: URL_A, accessToken: token });
      return {
        method: 'GET',
        url: URL_A,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      };
    };
    const bearer = async () => ({
      method: 'GET',
      url: URL_A,
      headers: { authorization: `Bearer ${await as.mintAccessToken()}` },
    });
    const opaque = async () => ({
      method: 'GET',
      url: URL_A,
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
