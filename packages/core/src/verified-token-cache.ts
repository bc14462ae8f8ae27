import { LRUCache } from 'lru-cache';
import { checkTimes, type VerifiedToken } from './jwt/verified-token.js';
import { fail } from './lib/validate.js';

// lru-cache's get() defaults its options to a new `{}` on every call, and writes its `status`
// into them: one object, reused (a status object lru-cache's metrics put there is reused too).
const NO_OPTIONS: { status?: undefined } = { status: undefined };

/** The verified-token cache: a repeated token costs a lookup instead of a signature check. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens kept. Default 10,000. */
  max?: number;
  /** Most bytes of token strings kept. Default 33554432 (32 MiB). */
  maxSize?: number;
}

/** The cache's size, validated; `false` when it is off. */
export type VerifiedTokenCacheSettings = false | { readonly max: number; readonly maxSize: number };

/** Validates the `cache` option (a `TypeError` naming the option). */
export function resolveCache(
  options: false | VerifiedTokenCacheOptions | undefined,
): VerifiedTokenCacheSettings {
  const defaults = { max: 10_000, maxSize: 32 * 1024 * 1024 };
  if (options === false) return false;
  if (options === undefined) return defaults;
  if (typeof options !== 'object' || options === null)
    fail('"cache" must be false or { max?, maxSize? }');
  const max = options.max ?? defaults.max;
  const maxSize = options.maxSize ?? defaults.maxSize;
  if (!Number.isInteger(max) || max < 1) fail('"cache.max" must be a positive integer');
  if (!Number.isInteger(maxSize) || maxSize < 1024)
    fail('"cache.maxSize" must be an integer of at least 1024 bytes');
  return { max, maxSize };
}

/**
 * Tokens that passed verification, by the token string, in a bounded LRU (by count and by the
 * bytes of the token strings), so that a repeated token costs a lookup. A hit is used only while
 * it is still valid: its key still in the issuer's JWKS, an introspection answer not past its
 * cache limit, and the time checks (`exp`, `nbf`, `iat`, `maxTokenAge`) passed again now.
 */
export class VerifiedTokenCache {
  readonly #tokens: LRUCache<string, VerifiedToken>;
  readonly #times: Parameters<typeof checkTimes>[2];

  constructor(size: { max: number; maxSize: number }, times: Parameters<typeof checkTimes>[2]) {
    this.#times = times;
    this.#tokens = new LRUCache<string, VerifiedToken>({
      max: size.max,
      maxSize: size.maxSize,
      sizeCalculation: (_value, key) => key.length + 256,
    });
  }

  /**
   * The cached verification of a token while it may still be used: its key still in the JWKS,
   * an introspection answer not past its cache limit; else `undefined`. The time checks are the
   * caller's, with {@link VerifiedTokenCache.checkTimes}, when its turn comes. Never throws.
   */
  peek(token: string, nowSeconds: number): VerifiedToken | undefined {
    const hit = this.#tokens.get(token, NO_OPTIONS);
    if (hit === undefined) return undefined;
    if (
      (hit.key !== undefined && !hit.key.active) ||
      (hit.cacheUntil !== undefined && nowSeconds * 1000 >= hit.cacheUntil)
    ) {
      // Its key left the JWKS: verify again (and fail, unless the key is back).
      this.#tokens.delete(token);
      return undefined;
    }
    return hit;
  }

  /**
   * The time checks (`exp`, `nbf`, `iat`, `maxTokenAge`) of a cached token, now: throws their
   * `InvalidTokenError` (an expired token) and forgets the token.
   */
  checkTimes(token: string, hit: VerifiedToken, nowSeconds: number): void {
    try {
      checkTimes(hit, nowSeconds, this.#times);
    } catch (error) {
      this.#tokens.delete(token);
      throw error;
    }
  }

  set(token: string, verified: VerifiedToken): void {
    this.#tokens.set(token, verified);
  }
}
