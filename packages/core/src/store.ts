import { LRUCache } from 'lru-cache';

/**
 * Shared state for the DPoP `jti` replay cache and the introspection cache. The default
 * ({@link createMemoryStore}) is right for one process; `@tokenguard/redis` shares it across a
 * fleet. Values are short strings (hashes, small JSON), never tokens; keys are bounded hashes.
 *
 * Implementations must be atomic in `setIfAbsent` and may reject when the backend is unavailable:
 * tokenguard then fails closed where it must (DPoP replay checks answer 503) and degrades where it
 * may (the introspection cache is skipped).
 */
export interface Store {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores `value` only when `key` is absent; resolves `true` when it stored it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used go first. Default 100,000. */
  max?: number;
  /** Milliseconds clock, for tests. Default `Date.now`. */
  clock?: () => number;
}

/**
 * An in-process {@link Store}: a size-bounded LRU with per-entry expiry. Memory stays bounded
 * under a flood of distinct keys.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({ issuer, audience, store: createMemoryStore({ max: 50_000 }) });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const max = options.max ?? 100_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError('tokenguard: "store.max" must be a positive integer');
  }
  const clock = options.clock ?? Date.now;
  const entries = new LRUCache<string, { value: string; expiresAt: number }>({ max });
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= clock()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value, expiresAt: clock() + ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key) !== undefined) return false;
      entries.set(key, { value, expiresAt: clock() + ttlMs });
      return true;
    },
  };
}
