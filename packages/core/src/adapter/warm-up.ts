import type { TokenGuard, TokenGuardLogger, WarmUpMode } from '@tokenguard/core';
import { configOf } from '../construct.js';

/**
 * Warms a guard at an adapter's start-up, as its `warmUp` option says (`mode`, else the guard's
 * own `warmUp` option, else `unset`): `'fail'` rejects with the `UpstreamError` (URL, cause,
 * issuer) so that the application does not start; `'warn'` starts anyway and says so once —
 * through the guard's logger, which reports the endpoint down, or else through `fallback` (the
 * framework's logger); `false` does nothing. Fastify's plugin calls it `onReady`, NestJS's
 * module on init, Express's `warmUp()` when the application does (with `unset: 'fail'`).
 *
 * @example
 * ```ts
 * fastify.addHook('onReady', () => warmUpGuard(guard, options.warmUp, fastify.log));
 * ```
 */
export async function warmUpGuard(
  guard: TokenGuard,
  mode?: WarmUpMode,
  fallback?: TokenGuardLogger,
  unset: WarmUpMode = false,
): Promise<void> {
  const config = configOf(guard);
  const chosen = mode ?? config?.warmUp ?? unset;
  if (chosen === false) return;
  if (chosen !== 'fail' && chosen !== 'warn') {
    throw new TypeError('tokenguard: "warmUp" must be "fail", "warn" or false');
  }
  try {
    await guard.warmUp();
  } catch (error) {
    if (chosen === 'fail') throw error;
    // A guard with a logger reported the endpoint down already, once.
    if (config?.monitor !== undefined) return;
    const message = error instanceof Error ? error.message : String(error);
    (fallback ?? console).warn(`${message} (warmUp: 'warn': starting anyway)`);
  }
}
