import type { ProtectedResourceMetadataOptions, TokenGuard } from '@tokenguard/core';
import { isTokenGuard } from '@tokenguard/core';
import type { MiddlewareHandler } from 'hono';
import { environmentGuard, environmentReady } from './lib/resolve-guard.js';

/**
 * Serves the guard's RFC 9728 protected-resource metadata as JSON at its well-known path:
 * `/.well-known/oauth-protected-resource` plus the path of the guard's `resource` (so
 * `https://api.example.com/v1` is served at `/.well-known/oauth-protected-resource/v1`). That is
 * the URL the `resource_metadata` attribute of every challenge points to. Other requests go to
 * `next()`. Mount it before `tokenGuard()` covers the same path, since the document is public.
 *
 * With no guard it uses the environment's guard (the one `tokenGuard()` uses). The guard must
 * have a `resource` (`TOKENGUARD_RESOURCE`): without one this throws a `TypeError`.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({ issuer, audience, resource: 'https://api.example.com' });
 * app.use(protectedResourceMetadata(guard, { scopesSupported: ['orders:read'] }));
 * app.use('/api/*', tokenGuard(guard));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(
  options?: ProtectedResourceMetadataOptions,
): MiddlewareHandler;
export function protectedResourceMetadata(
  guard: TokenGuard,
  options?: ProtectedResourceMetadataOptions,
): MiddlewareHandler;
export function protectedResourceMetadata(
  first?: TokenGuard | ProtectedResourceMetadataOptions,
  second?: ProtectedResourceMetadataOptions,
): MiddlewareHandler {
  const [given, options] = isTokenGuard(first) ? [first, second] : [undefined, first];
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError('tokenguard: the options of protectedResourceMetadata() must be an object');
  }
  const documentOf = (guard: TokenGuard) => {
    const metadata = guard.protectedResourceMetadata(options);
    if (metadata === undefined) {
      throw new TypeError(
        'tokenguard: "resource" is required to serve protected resource metadata (RFC 9728)',
      );
    }
    return metadata;
  };
  // A given guard (or the environment's, where process.env has it) is checked now; one from
  // Workers' bindings on the first request.
  let metadata =
    given !== undefined
      ? documentOf(given)
      : environmentReady()
        ? documentOf(environmentGuard())
        : undefined;
  return async (c, next) => {
    metadata ??= documentOf(environmentGuard(c.env));
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || c.req.path !== metadata.path) {
      await next();
      return;
    }
    return c.json(metadata.document);
  };
}
