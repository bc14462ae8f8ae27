import { LRUCache } from 'lru-cache';
import { fail } from './lib/validate.js';

/**
 * Shared state for the DPoP `jti` replay memory and the introspection cache. The default
 * ({@link createMemoryStore}) is right for one process; `@tokenguard/redis` shares it across a
 * fleet. Values are short strings (hashes, small JSON), never tokens; keys are bounded hashes,
 * namespaced by the guard that writes them.
 *
 * Two kinds of entries, with two contracts:
 * - `set` writes **cache** entries (introspection answers): a store may drop them early, to
 *   bound its memory.
 * - `setIfAbsent` writes **single-use markers** (a DPoP proof's `jti`): a store must keep every
 *   one until its TTL is over, because forgetting one makes a captured proof acceptable again
 *   (RFC 9449 §11.1). When it cannot take one more without dropping a live one, `setIfAbsent`
 *   must reject — with a {@link StoreFullError} to say that this is why.
 *
 * Implementations must be atomic in `setIfAbsent` and may reject when the backend is unavailable:
 * tokenguard then fails closed where it must (DPoP requests answer 503) and degrades where it
 * may (the introspection cache is skipped).
 */
export interface Store {
  get(key: string): Promise<string | undefined>;
  /** Stores a cache entry: `value` for at most `ttlMs` milliseconds (it may be dropped earlier). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Stores `value` only when `key` is absent; resolves `true` when it stored it. The entry must
   * be kept for the whole `ttlMs`; a store that cannot keep it rejects ({@link StoreFullError}).
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
}

/**
 * Rejection of {@link Store.setIfAbsent} by a store that cannot hold one more single-use entry
 * without forgetting one that has not expired. tokenguard answers the DPoP request with 503 and
 * publishes a `full` event on `tokenguard:store`, rather than forget a `jti`.
 *
 * @example
 * ```ts
 * const myStore: Store = {
 *   // …
 *   async setIfAbsent(key, value, ttlMs) {
 *     if (entries.size >= limit) throw new StoreFullError(1);
 *     // …
 *   },
 * };
 * ```
 */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
  /** Seconds until the store expects room (when its oldest entry expires), if it knows. */
  readonly retryAfter: number | undefined;
  constructor(retryAfter?: number) {
    super('tokenguard: the store is full');
    this.retryAfter = retryAfter;
  }
}

/** Whether `value` is a {@link StoreFullError} (also from another copy of this package). */
export function isStoreFullError(value: unknown): value is StoreFullError {
  return (
    value instanceof StoreFullError || (value instanceof Error && value.name === 'StoreFullError')
  );
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most cache entries (`set`: introspection answers) kept; the least recently used go first. Default 100,000. */
  max?: number;
  /**
   * Most live single-use entries (`setIfAbsent`: DPoP `jti`s). They are never evicted before they
   * expire; with this many live, `setIfAbsent` rejects with {@link StoreFullError}. Default
   * 200,000: about 3,000 DPoP requests per second sustained over the default proof window.
   */
  replayCapacity?: number;
  /** Milliseconds clock, for tests. Default `Date.now`. */
  clock?: () => number;
}

/** The default {@link MemoryStoreOptions.replayCapacity}. */
export const DEFAULT_REPLAY_CAPACITY = 200_000;

interface Entry {
  value: string;
  expiresAt: number;
}

// How often expired single-use entries are looked for, at most (they are also looked for when
// the store is full): often enough to free room, rarely enough that a sweep costs nothing per
// request.
const SWEEP_INTERVAL = 1_000;

/**
 * An in-process {@link Store}, in two parts that never share room: cache entries (`set`) in a
 * size-bounded LRU of `max` entries, and single-use entries (`setIfAbsent`, the DPoP replay
 * memory) kept until they expire, at most `replayCapacity` of them. A flood of distinct tokens
 * can evict cached introspection answers, never a `jti`; a flood of proofs fills the replay part,
 * which then refuses new entries ({@link StoreFullError}) instead of forgetting old ones. Memory
 * stays bounded either way.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({
 *   issuer, audience,
 *   store: createMemoryStore({ max: 50_000, replayCapacity: 500_000 }),
 * });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const max = options.max ?? 100_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError('tokenguard: "store.max" must be a positive integer');
  }
  const capacity = options.replayCapacity ?? DEFAULT_REPLAY_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new TypeError('tokenguard: "store.replayCapacity" must be a positive integer');
  }
  const clock = options.clock ?? Date.now;
  const cache = new LRUCache<string, Entry>({ max });

  // The replay part holds up to hundreds of thousands of entries, so each costs as little as it
  // can: its expiry as a small integer (whole seconds after `base`, rounded up, so an entry lives
  // at most a second longer than asked, never shorter), and its value only when it is not "1",
  // which is what tokenguard writes. Insertion order is expiry order as long as every entry has
  // the same TTL (one guard's proof window), so expired entries are found at the front.
  const base = clock();
  const once = new Map<string, number>();
  const onceValues = new Map<string, string>();
  let sweptFront = Number.NEGATIVE_INFINITY;
  let sweptAll = Number.NEGATIVE_INFINITY;
  const seconds = (now: number) => (now - base) / 1000;
  const expiry = (now: number, ttlMs: number) => Math.ceil((now + ttlMs - base) / 1000);
  const forget = (key: string) => {
    once.delete(key);
    if (onceValues.size > 0) onceValues.delete(key);
  };

  const sweepFront = (now: number) => {
    sweptFront = now;
    const at = seconds(now);
    for (const [key, expiresAt] of once) {
      if (expiresAt > at) break;
      forget(key);
    }
  };
  // Several guards with different windows may share a store: then a longer-lived entry at the
  // front hides expired ones behind it. A full sweep finds them, at most once per interval.
  const sweepAll = (now: number) => {
    sweptAll = now;
    const at = seconds(now);
    for (const [key, expiresAt] of once) if (expiresAt <= at) forget(key);
  };
  const holds = (key: string, now: number) => {
    const expiresAt = once.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt <= seconds(now)) {
      forget(key);
      return false;
    }
    return true;
  };
  const liveCached = (key: string, now: number) => {
    const entry = cache.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      cache.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    async get(key) {
      const now = clock();
      if (holds(key, now)) return onceValues.get(key) ?? '1';
      return liveCached(key, now)?.value;
    },
    async set(key, value, ttlMs) {
      const now = clock();
      if (holds(key, now)) {
        // A single-use entry stays where it is: only its value and lifetime change.
        once.set(key, expiry(now, ttlMs));
        if (value === '1') onceValues.delete(key);
        else onceValues.set(key, value);
        return;
      }
      cache.set(key, { value, expiresAt: now + ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      const now = clock();
      if (holds(key, now) || liveCached(key, now) !== undefined) return false;
      if (once.size >= capacity || now - sweptFront >= SWEEP_INTERVAL) sweepFront(now);
      if (once.size >= capacity && now - sweptAll >= SWEEP_INTERVAL) sweepAll(now);
      if (once.size >= capacity) {
        const oldest = once.values().next().value as number;
        throw new StoreFullError(Math.max(1, Math.ceil(oldest - seconds(now))));
      }
      once.set(key, expiry(now, ttlMs));
      if (value !== '1') onceValues.set(key, value);
      return true;
    },
  };
}

export function checkStore(store: unknown, name: string, members: readonly string[]): void {
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      members.some((member) => typeof (store as Record<string, unknown>)[member] !== 'function'))
  ) {
    fail(`"${name}" must implement get, set and setIfAbsent`);
  }
}
