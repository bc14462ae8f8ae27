import { createHash } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { AuthError, RejectionDetails } from './errors.js';
import { type UpstreamEndpoint, UpstreamError } from './upstream-error.js';

/**
 * Names of the `node:diagnostics_channel` channels tokenguard publishes on. Subscribe to log,
 * count or trace without a dependency:
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 * import { channels } from '@tokenguard/core';
 * diagnostics.subscribe(channels.rejected, (event) => logger.warn(event, 'token rejected'));
 * ```
 *
 * Events never carry a token or a secret; a token is identified by its `jti` or a short hash.
 */
export const channels = Object.freeze({
  authenticated: 'tokenguard:authenticated',
  rejected: 'tokenguard:rejected',
  jwks: 'tokenguard:jwks',
  introspection: 'tokenguard:introspection',
  store: 'tokenguard:store',
} as const);

/** Published on `tokenguard:authenticated`. */
export interface AuthenticatedEvent {
  issuer: string;
  /** `undefined` when the token names neither `sub` nor a client. */
  principalId: string | undefined;
  clientId: string | undefined;
  format: 'jwt' | 'opaque';
  scheme: 'Bearer' | 'DPoP';
  tokenId: string;
  cached: boolean;
}

/** Published on `tokenguard:rejected`. */
export interface RejectedEvent {
  status: number;
  code: string;
  /** The internal reason, e.g. `jwt.expired`, `jwks.kid_unknown`, `dpop.replay`. */
  reason: string;
  /** `jti` or short hash of the token when one was presented. */
  tokenId: string | undefined;
  /**
   * The facts of the failed check (field, expected and actual values), when it has any: the
   * same object as the error's `details`.
   */
  details?: RejectionDetails;
  /** For a 503: the upstream call behind it (URL without credentials, cause code, status). */
  upstream?: UpstreamFacts;
}

/** The upstream call behind a 503, as {@link RejectedEvent} carries it. */
export interface UpstreamFacts {
  endpoint: UpstreamEndpoint | undefined;
  issuer: string | undefined;
  url: string | undefined;
  /** `network`, `timeout`, `status`, `redirect`, `too_large`, … */
  failure: string;
  /** `ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, … */
  code: string | undefined;
  status: number | undefined;
}

/** The upstream facts of an error whose `cause` is an `UpstreamError`. */
export function upstreamOf(error: AuthError): UpstreamFacts | undefined {
  return error.cause instanceof UpstreamError ? upstreamFacts(error.cause) : undefined;
}

/** An `UpstreamError` as plain facts. */
export function upstreamFacts(error: UpstreamError): UpstreamFacts {
  return {
    endpoint: error.endpoint,
    issuer: error.issuer,
    url: error.url,
    failure: error.failure,
    code: error.code,
    status: error.status,
  };
}

/** Published on `tokenguard:jwks`. */
export interface JwksEvent {
  issuer: string;
  event: 'fetch' | 'refresh' | 'stale' | 'failure' | 'skipped_key' | 'discovery';
  uri: string | undefined;
  keys?: number;
  /** For `failure`: `timeout`, `status`, `too_large`, …; for `skipped_key`: why. */
  detail?: string;
  /**
   * For `fetch`, `refresh`, `discovery`, and a `failure` once a request was sent: how long the
   * JWKS (or discovery) request took, in milliseconds, on a monotonic clock (not the guard's
   * `clock`). A JWKS fetch that first needed discovery does not count discovery's time.
   */
  durationMs?: number;
}

/**
 * Published on `tokenguard:introspection`. `saturated`: a call was not made because
 * `maxConcurrentCalls` were in flight and the queue was full or the wait too long (`detail`:
 * `saturated` or `queue_timeout`); the request got a 503.
 */
export interface IntrospectionEvent {
  event: 'call' | 'cache_hit' | 'failure' | 'shared' | 'saturated';
  tokenId: string;
  active?: boolean;
  detail?: string;
  /**
   * For `call` and `failure`: how long the call to the endpoint took, reading its answer
   * included, in milliseconds, on a monotonic clock (not the guard's `clock`).
   */
  durationMs?: number;
}

/**
 * Published on `tokenguard:store`: `failure` when a store operation failed, `full` when the DPoP
 * replay memory refused a new `jti` because it is full (the request got a 503).
 */
export interface StoreEvent {
  operation: 'get' | 'set' | 'setIfAbsent';
  event: 'failure' | 'full';
  detail: string;
}

export const authenticatedChannel = diagnostics.channel(channels.authenticated);
export const rejectedChannel = diagnostics.channel(channels.rejected);
export const jwksChannel = diagnostics.channel(channels.jwks);
export const introspectionChannel = diagnostics.channel(channels.introspection);
export const storeChannel = diagnostics.channel(channels.store);

/** A short, non-reversible identifier for a token in logs: `sha256:` + 12 hex digits. */
export function tokenHash(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

/** `jti` when it is a short printable string, else the token's short hash. */
export function tokenId(token: string, jti: unknown): string {
  if (typeof jti === 'string' && jti.length <= 128 && /^[\x21-\x7e]+$/.test(jti)) {
    return `jti:${jti}`;
  }
  return tokenHash(token);
}
