import {
  isTokenGuard,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  type TokenGuard,
} from '@tokenguard/core';
import { defaultGuard } from './lib/resolve-guard.js';

/**
 * A handler for the guard's RFC 9728 protected-resource metadata: for a `GET` or `HEAD` of its
 * well-known path (`/.well-known/oauth-protected-resource` plus the path of the guard's
 * `resource`), the JSON document; for any other request `undefined`, so a fetch handler can go on.
 * That is the URL the `resource_metadata` attribute of every challenge points to. `path` and
 * `document` are on the handler too.
 *
 * With no guard it uses the environment's guard (the one `requireToken()` uses). The guard must
 * have a `resource` (`TOKENGUARD_RESOURCE`): without one this throws a `TypeError`.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadata(guard, { scopesSupported: ['orders:read'] });
 * Deno.serve((request) => metadata(request) ?? app(request));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(
  options?: ProtectedResourceMetadataOptions,
): MetadataHandler;
export function protectedResourceMetadata(
  guard: TokenGuard,
  options?: ProtectedResourceMetadataOptions,
): MetadataHandler;
export function protectedResourceMetadata(
  first?: TokenGuard | ProtectedResourceMetadataOptions,
  second?: ProtectedResourceMetadataOptions,
): MetadataHandler {
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
  const body = JSON.stringify(document);
  const handler = (request: Request): Response | undefined => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const url = request.url;
    const start = url.indexOf('/', url.indexOf('://') + 3);
    if (start === -1) return undefined;
    const query = url.indexOf('?', start);
    if ((query === -1 ? url.slice(start) : url.slice(start, query)) !== path) return undefined;
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    });
  };
  return Object.assign(handler, { path, document });
}

/**
 * The handler {@link protectedResourceMetadata} returns: a `Response` for its path, `undefined`
 * for any other request.
 *
 * @example
 * ```ts
 * const metadata: MetadataHandler = protectedResourceMetadata(guard);
 * console.log(metadata.path); // /.well-known/oauth-protected-resource
 * ```
 */
export interface MetadataHandler {
  (request: Request): Response | undefined;
  /** The path the document is served at. */
  readonly path: string;
  /** The RFC 9728 document. */
  readonly document: ProtectedResourceMetadata;
}
