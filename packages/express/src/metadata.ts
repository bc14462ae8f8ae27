import {
  isTokenGuard,
  type ProtectedResourceMetadataOptions,
  type TokenGuard,
} from '@tokenguard/core';
import type { RequestHandler } from 'express';
import { defaultGuard } from './lib/resolve-guard.js';

/**
 * Serves the guard's RFC 9728 protected-resource metadata as JSON at its well-known path:
 * `/.well-known/oauth-protected-resource` plus the path of the guard's `resource` (so
 * `https://api.example.com/v1` is served at `/.well-known/oauth-protected-resource/v1`). That is
 * the URL the `resource_metadata` attribute of every challenge points to. Other requests go to
 * `next()`. Mount it at the root of the app, before any `app.use(requireToken())`, since the
 * document is public.
 *
 * With no guard it uses the environment's guard (the one `requireToken()` uses). The guard must
 * have a `resource` (`TOKENGUARD_RESOURCE`): without one this throws a `TypeError`.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({ issuer, audience, resource: 'https://api.example.com' });
 * app.use(protectedResourceMetadata(guard, { scopesSupported: ['orders:read', 'orders:write'] }));
 * app.use(requireToken(guard));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(
  options?: ProtectedResourceMetadataOptions,
): RequestHandler;
export function protectedResourceMetadata(
  guard: TokenGuard,
  options?: ProtectedResourceMetadataOptions,
): RequestHandler;
export function protectedResourceMetadata(
  first?: TokenGuard | ProtectedResourceMetadataOptions,
  second?: ProtectedResourceMetadataOptions,
): RequestHandler {
  const [guard, options] = isTokenGuard(first) ? [first, second] : [defaultGuard(), first];
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError('tokenguard: the options of protectedResourceMetadata() must be an object');
  }
  const metadata = guard.protectedResourceMetadata(options);
  if (metadata === undefined) {
    throw new TypeError(
      'tokenguard: "resource" is required to serve protected resource metadata (RFC 9728)',
    );
  }
  const { path, document } = metadata;
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== path) {
      next();
      return;
    }
    res.json(document);
  };
}
