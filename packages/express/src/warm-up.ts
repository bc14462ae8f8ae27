import { isTokenGuard, type TokenGuard, type WarmUpMode } from '@tokenguard/core';
import { warmUpGuard } from '@tokenguard/core/adapter';
import { guardOf } from './lib/guard-of.js';
import { defaultGuard } from './lib/resolve-guard.js';
import type { AuthMiddleware } from './types.js';

/**
 * Fetches the issuer's metadata and keys before the server listens. With `'fail'` (the default
 * unless the guard's `warmUp` option or `TOKENGUARD_WARM_UP` says otherwise) it rejects with
 * core's `UpstreamError`, which names the URL, the cause (`ECONNREFUSED`, `ENOTFOUND`,
 * `ETIMEDOUT`, the HTTP status) and the issuer: the process should not start. With `'warn'` it
 * resolves anyway, after one warning (the guard's logger, else `console.warn`); `false` does
 * nothing. Takes the guard, or a middleware `requireToken()` made (its guard), or nothing: the
 * environment's guard, the one `requireToken()` without a guard uses.
 *
 * @example
 * ```ts
 * app.use(requireToken());
 * app.get('/orders', listOrders);
 * await warmUp(); // rejects: UpstreamError: tokenguard: the JWKS of issuer … failed (…): ECONNREFUSED
 * app.listen(3000);
 * ```
 */
export async function warmUp(
  target?: TokenGuard | AuthMiddleware,
  mode?: WarmUpMode,
): Promise<void> {
  const guard =
    target === undefined ? defaultGuard() : isTokenGuard(target) ? target : guardOf(target);
  if (guard === undefined) {
    throw new TypeError(
      'tokenguard: warmUp() takes a guard, a middleware from requireToken() or optionalToken(), or nothing',
    );
  }
  await warmUpGuard(guard, mode, undefined, 'fail');
}
