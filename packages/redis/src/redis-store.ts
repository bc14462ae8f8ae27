import diagnostics from 'node:diagnostics_channel';
import { channels, type Store, StoreFullError } from '@tokenguard/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * The commands tokenguard needs from a Redis client. An `ioredis` client has them; so does a
 * node-redis (v4+) client, which {@link createRedisStore} adapts.
 */
interface IoredisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ttl: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<unknown>;
}

/** A node-redis (v4+) client, as far as tokenguard uses it. */
export interface NodeRedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { PX: number; NX?: true }): Promise<unknown>;
  isOpen: boolean;
}

/** Options of {@link createRedisStore}. Give `client` or `url`. */
export interface RedisStoreOptions {
  /** An `ioredis` or node-redis client you manage (you connect and close it). */
  client?: Redis | NodeRedisLike;
  /** A Redis URL (`redis://host:6379/0`); the store then creates, reconnects and closes its own `ioredis` client. */
  url?: string;
  /** Prepended to every key. Default `'tokenguard:'`. */
  keyPrefix?: string;
  /**
   * Seconds a command may take before it counts as failed. Default 0.2. Nothing waits on Redis
   * longer than this: DPoP replay checks then answer 503, the introspection cache is skipped.
   */
  commandTimeout?: number;
  /** Extra `ioredis` options when the store creates the client from `url`. */
  redisOptions?: RedisOptions;
}

/** A {@link Store} on Redis, with `close()` for the client it created. */
export interface RedisStore extends Store {
  /** Closes the client if the store created it (from `url`); a client you passed stays open. */
  close(): Promise<void>;
}

const storeChannel = diagnostics.channel(channels.store);

class CommandTimeoutError extends Error {
  override readonly name = 'CommandTimeoutError';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CommandTimeoutError('redis command timed out')), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isNodeRedis(client: object): client is NodeRedisLike {
  return (
    'isOpen' in client && typeof (client as { sendCommand?: unknown }).sendCommand === 'function'
  );
}

/**
 * A `Store` on Redis, so a fleet of API instances shares DPoP replay detection (a proof replayed
 * against another instance is still caught) and introspection answers. `setIfAbsent` is one atomic
 * `SET key value NX PX ttl`.
 *
 * Failure policy: a command that fails or takes longer than `commandTimeout` rejects, so core
 * fails closed where it must (DPoP replay checks → 503 with `Retry-After`) and degrades where it
 * may (introspection caching is skipped and the endpoint is asked directly). A store created from
 * a `url` reconnects on its own; while it is disconnected a command waits at most
 * `commandTimeout`.
 *
 * Keys are what core passes — SHA-256 hashes with a short prefix, never tokens; introspection
 * answers under a namespace of the guard's identity — under `keyPrefix`.
 *
 * DPoP `jti`s must never be evicted before they expire (a forgotten one makes a captured proof
 * acceptable again): keep Redis's `maxmemory-policy` at `noeviction`, its default. At
 * `maxmemory`, Redis then refuses new `jti`s (`OOM`), which this store reports as
 * `StoreFullError`: DPoP requests get 503 instead of a forgotten `jti`. Every other policy,
 * `volatile-*` included (every key here has a TTL), may evict live `jti`s.
 *
 * @example
 * ```ts
 * import { createTokenGuard } from '@tokenguard/core';
 * import { createRedisStore } from '@tokenguard/redis';
 *
 * const store = createRedisStore({ url: process.env.REDIS_URL });
 * const guard = createTokenGuard({ issuer, audience, store, dpop: {} });
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tokenguard: createRedisStore needs { client } or { url }');
  }
  const { client, url } = options;
  if ((client === undefined) === (url === undefined)) {
    throw new TypeError('tokenguard: give exactly one of "client" and "url" to createRedisStore');
  }
  const prefix = options.keyPrefix ?? 'tokenguard:';
  if (typeof prefix !== 'string' || prefix.length > 64) {
    throw new TypeError('tokenguard: "keyPrefix" must be a string of at most 64 characters');
  }
  const seconds = options.commandTimeout ?? 0.2;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 30) {
    throw new TypeError(
      'tokenguard: "commandTimeout" must be a number of seconds between 0 and 30',
    );
  }
  const timeout = Math.round(seconds * 1000);

  let owned: Redis | undefined;
  let commands: {
    get(key: string): Promise<string | null>;
    set(key: string, value: string, ttl: number): Promise<unknown>;
    setNx(key: string, value: string, ttl: number): Promise<unknown>;
  };
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
      throw new TypeError('tokenguard: "url" must be a redis:// or rediss:// URL');
    }
    owned = new Redis(url, {
      // Commands wait for a connection only as long as the command timeout (below); queued
      // commands are flushed with an error at the first failed reconnection, so an outage does
      // not pile them up. Reconnection goes on in the background.
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      commandTimeout: timeout,
      connectTimeout: Math.max(timeout, 1000),
      retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
      ...options.redisOptions,
    });
    // ioredis emits connection errors as events; without a listener Node would throw them.
    owned.on('error', (error: Error) => publishFailure('connection', error));
  }
  const target = owned ?? (client as Redis | NodeRedisLike);
  if (typeof target !== 'object' || target === null || typeof target.get !== 'function') {
    throw new TypeError('tokenguard: "client" must be an ioredis or node-redis client');
  }
  if (isNodeRedis(target)) {
    commands = {
      get: (key) => target.get(key),
      set: (key, value, ttl) => target.set(key, value, { PX: ttl }),
      setNx: (key, value, ttl) => target.set(key, value, { PX: ttl, NX: true }),
    };
  } else {
    const io = target as IoredisLike;
    commands = {
      get: (key) => io.get(key),
      set: (key, value, ttl) => io.set(key, value, 'PX', ttl),
      setNx: (key, value, ttl) => io.set(key, value, 'PX', ttl, 'NX'),
    };
  }

  const run = async <T>(operation: 'get' | 'set' | 'setIfAbsent', command: () => Promise<T>) => {
    try {
      return await withTimeout(command(), timeout);
    } catch (error) {
      // Redis at `maxmemory` with the `noeviction` policy refuses writes: for a DPoP jti that is
      // "full" (core answers 503 and reports it), not a broken connection.
      if (operation === 'setIfAbsent' && isOutOfMemory(error)) throw new StoreFullError();
      publishFailure(operation, error);
      throw error;
    }
  };
  const ttlOf = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

  return {
    async get(key) {
      const value = await run('get', () => commands.get(prefix + key));
      return value ?? undefined;
    },
    async set(key, value, ttlMs) {
      await run('set', () => commands.set(prefix + key, value, ttlOf(ttlMs)));
    },
    async setIfAbsent(key, value, ttlMs) {
      const reply = await run('setIfAbsent', () =>
        commands.setNx(prefix + key, value, ttlOf(ttlMs)),
      );
      return reply === 'OK';
    },
    async close() {
      if (owned !== undefined) {
        owned.disconnect();
      }
    },
  };
}

function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('OOM ');
}

function publishFailure(operation: string, error: unknown): void {
  if (!storeChannel.hasSubscribers) return;
  const detail =
    error instanceof CommandTimeoutError
      ? 'timeout'
      : error instanceof Error
        ? error.name
        : 'error';
  storeChannel.publish({ operation, event: 'failure', detail: `redis ${detail}` });
}
