import diagnostics from 'node:diagnostics_channel';
import { channels } from '@tokenguard/core';
import { type RedisServer, redisSkipReason, startRedisServer } from '@tokenguard/suites';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';

const skip = redisSkipReason();

describe.skipIf(skip !== undefined)('createRedisStore on a real redis-server', () => {
  let redis: RedisServer;
  let store: RedisStore;
  let inspector: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = createRedisStore({ url: redis.url, keyPrefix: 'tg-test:' });
    inspector = new Redis(redis.url);
  });
  afterAll(async () => {
    await store?.close();
    inspector?.disconnect();
    await redis?.stop();
  });

  it('gets what it sets, under the key prefix, with a TTL in milliseconds', async () => {
    await store.set('introspection:abc', '{"a":1}', 60_000);
    expect(await store.get('introspection:abc')).toBe('{"a":1}');
    expect(await inspector.get('tg-test:introspection:abc')).toBe('{"a":1}');
    const ttl = await inspector.pttl('tg-test:introspection:abc');
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await store.get('missing')).toBeUndefined();
  });

  it('setIfAbsent is atomic: 50 concurrent attempts, exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.setIfAbsent('dpop:same', '1', 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.setIfAbsent('dpop:same', '1', 60_000)).toBe(false);
  });

  it('lets entries expire', async () => {
    expect(await store.setIfAbsent('dpop:short', '1', 50)).toBe(true);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      gone = (await store.get('dpop:short')) === undefined;
    }
    expect(gone).toBe(true);
    expect(await store.setIfAbsent('dpop:short', '1', 60_000)).toBe(true);
  });

  it('works with a client you pass, ioredis or node-redis', async () => {
    const io = new Redis(redis.url);
    const nodeRedis = createClient({ url: redis.url });
    await nodeRedis.connect();
    try {
      for (const client of [io, nodeRedis]) {
        const shared = createRedisStore({ client });
        const key = `dpop:${Math.random()}`;
        expect(await shared.setIfAbsent(key, '1', 60_000)).toBe(true);
        expect(await shared.setIfAbsent(key, '1', 60_000)).toBe(false);
        await shared.set('k', 'v', 60_000);
        expect(await shared.get('k')).toBe('v');
        await shared.close();
      }
      // close() leaves a client you passed open.
      expect(await io.ping()).toBe('PONG');
    } finally {
      io.disconnect();
      await nodeRedis.quit();
    }
  });

  it('rejects bad options by name', () => {
    expect(() => createRedisStore({} as never)).toThrow('give exactly one of "client" and "url"');
    expect(() => createRedisStore({ url: 'http://x' })).toThrow(
      '"url" must be a redis:// or rediss:// URL',
    );
    expect(() => createRedisStore({ url: redis.url, commandTimeout: 200 })).toThrow(
      '"commandTimeout" must be a number of seconds',
    );
  });
});

describe.skipIf(skip !== undefined)('when Redis goes away', () => {
  it('fails fast (within the command timeout), reports it, and recovers after a restart', {
    timeout: 45_000,
  }, async () => {
    const redis = await startRedisServer();
    const store = createRedisStore({ url: redis.url, commandTimeout: 0.2 });
    const failures: unknown[] = [];
    const listener = (event: unknown) => failures.push(event);
    diagnostics.subscribe(channels.store, listener);
    try {
      expect(await store.setIfAbsent('a', '1', 60_000)).toBe(true);
      await redis.kill();
      await expect(store.setIfAbsent('b', '1', 60_000)).rejects.toThrow();
      await expect(store.get('a')).rejects.toThrow();
      expect(failures.length).toBeGreaterThan(0);
      expect(JSON.stringify(failures)).toContain('setIfAbsent');
      await redis.restart();
      let ok = false;
      // Reconnection backs off up to 1 s between attempts; a loaded machine adds more.
      for (let i = 0; i < 250 && !ok; i++) {
        ok = await store.setIfAbsent('c', '1', 60_000).catch(() => false);
        if (!ok) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(ok).toBe(true);
    } finally {
      diagnostics.unsubscribe(channels.store, listener);
      await store.close();
      await redis.stop();
    }
  });

  it('bounds a command against a server that does not answer', async () => {
    const { createServer } = await import('node:net');
    // A TCP server that accepts connections and never replies: a hung Redis.
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const { port } = silent.address() as { port: number };
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => {});
    const store = createRedisStore({ client, commandTimeout: 0.1 });
    try {
      await expect(store.get('x')).rejects.toThrow('timed out');
    } finally {
      client.disconnect();
      silent.close();
    }
  });
});
