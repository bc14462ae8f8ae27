// Injection tokens and metadata keys. `Symbol.for` and fixed strings rather than fresh symbols:
// an application that loads both the ESM and the CommonJS build of this package (one through a
// library, say) still has one token and one metadata key for each.

/**
 * Injection token of the core guard (`@tokenguard/core`'s `TokenGuard`) that `TokenGuardModule`
 * creates from its options, or the one it was given. Inject it to call the guard yourself, for
 * example to authenticate a WebSocket handshake or to read its protected-resource metadata.
 *
 * @example
 * ```ts
 * import type { TokenGuard as CoreTokenGuard } from '@tokenguard/core';
 *
 * @Injectable()
 * export class KeyWarmer implements OnApplicationBootstrap {
 *   constructor(@Inject(TOKEN_GUARD) private readonly guard: CoreTokenGuard) {}
 *   onApplicationBootstrap() {
 *     return this.guard.warmUp(); // fetch the issuer's keys before the first request
 *   }
 * }
 * ```
 */
export const TOKEN_GUARD: unique symbol = Symbol.for('@tokenguard/nestjs:TOKEN_GUARD');

/** @internal The options given to `forRoot()` or made by the `forRootAsync()` factory. */
export const TOKEN_GUARD_MODULE_OPTIONS: unique symbol = Symbol.for(
  '@tokenguard/nestjs:TOKEN_GUARD_MODULE_OPTIONS',
);

/** @internal The core guard and whether the module created it (and so closes it). */
export const GUARD_HOLDER: unique symbol = Symbol.for('@tokenguard/nestjs:GUARD_HOLDER');

/** @internal The RFC 9728 document and its path, or `undefined` when not served. */
export const RESOURCE_METADATA: unique symbol = Symbol.for('@tokenguard/nestjs:RESOURCE_METADATA');

/** @internal Metadata keys of the decorators. */
export const ACCESS_KEY = 'tokenguard:access';
export const SCOPES_KEY = 'tokenguard:scopes';
export const ANY_SCOPES_KEY = 'tokenguard:any-scopes';
export const CLAIMS_KEY = 'tokenguard:claims';
