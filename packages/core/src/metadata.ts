import type { ResolvedDpop } from './dpop/options.js';
import { checkUrl, fail } from './lib/validate.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The RFC 9728 metadata URL of a resource: the well-known segment goes between the origin and the
 * resource's path (`https://api.example.com/v1` →
 * `https://api.example.com/.well-known/oauth-protected-resource/v1`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${WELL_KNOWN}${path}`;
}

/** The path (relative to the origin) at which a resource's metadata is served. */
export function resourceMetadataPath(resource: string): string {
  return new URL(resourceMetadataUrl(resource)).pathname;
}

/** The RFC 9728 protected-resource metadata document. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_signing_alg_values_supported?: string[];
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: boolean;
  tls_client_certificate_bound_access_tokens?: boolean;
  resource_name?: string;
  resource_documentation?: string;
}

/** Extra members of the metadata document that only the API author knows. */
export interface ProtectedResourceMetadataOptions {
  /** Scopes this API understands, advertised as `scopes_supported`. */
  scopesSupported?: readonly string[];
  /** A human-readable name (`resource_name`). */
  resourceName?: string;
  /** A URL of human-readable documentation (`resource_documentation`). */
  resourceDocumentation?: string;
}

/** @internal The document and its path, from a guard's configuration; none without a `resource`. */
export function resourceMetadataFor(
  input: {
    readonly resource: string | undefined;
    readonly extract: { readonly locations: { header: boolean; query: boolean; body: boolean } };
    readonly dpop: Pick<ResolvedDpop, 'algorithms' | 'mode'> | undefined;
    /** Certificate-bound tokens are accepted (the `mtls` option is set). */
    readonly mtls: object | undefined;
  },
  issuers: readonly string[],
  extra: ProtectedResourceMetadataOptions,
): { path: string; document: ProtectedResourceMetadata } | undefined {
  const { resource } = input;
  if (resource === undefined) return undefined;
  const methods: string[] = [];
  const { locations } = input.extract;
  if (locations.header) methods.push('header');
  if (locations.body) methods.push('body');
  if (locations.query) methods.push('query');
  const doc: ProtectedResourceMetadata = {
    resource,
    authorization_servers: [...issuers],
    bearer_methods_supported: methods,
  };
  if (extra.scopesSupported) doc.scopes_supported = [...extra.scopesSupported];
  if (input.dpop !== undefined) {
    doc.dpop_signing_alg_values_supported = [...input.dpop.algorithms];
    if (input.dpop.mode === 'required') doc.dpop_bound_access_tokens_required = true;
  }
  if (input.mtls !== undefined) doc.tls_client_certificate_bound_access_tokens = true;
  if (extra.resourceName !== undefined) doc.resource_name = extra.resourceName;
  if (extra.resourceDocumentation !== undefined) {
    doc.resource_documentation = extra.resourceDocumentation;
  }
  return { path: resourceMetadataPath(resource), document: doc };
}

export function resolveResource(value: unknown, allowInsecure: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail('"resource" must be a URL string');
  const url = checkUrl(value as string, 'resource', allowInsecure);
  if (url.search || url.hash) fail('"resource" must not have a query or fragment (RFC 9728 §1.2)');
  return value as string;
}
