import { LRUCache } from 'lru-cache';
import { checkTimes, type VerifiedToken } from './jwt/verified-token.js';
import { fail } from './lib/validate.js';

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
   * The cached verification of a token if it is still valid now, else `undefined`. Throws the
   * time check's `InvalidTokenError` (an expired token) and forgets the token.
   */
  get(token: string, nowSeconds: number): VerifiedToken | undefined {
    const hit = this.#tokens.get(token);
    if (hit === undefined) return undefined;
    if (
      (hit.key !== undefined && !hit.key.active) ||
      (hit.cacheUntil !== undefined && nowSeconds * 1000 >= hit.cacheUntil)
    ) {
      // Its key left the JWKS: verify again (and fail, unless the key is back).
      this.#tokens.delete(token);
      return undefined;
    }
    try {
      checkTimes(hit, nowSeconds, this.#times);
    } catch (error) {
      this.#tokens.delete(token);
      throw error;
    }
    return hit;
  }

  set(token: string, verified: VerifiedToken): void {
    this.#tokens.set(token, verified);
  }
}
