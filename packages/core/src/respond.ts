import {
  authorizationScheme,
  type ExtractedToken,
  type ExtractOptions,
} from './bearer/extract-token.js';
import { buildChallenge, type ChallengeConfig } from './challenge.js';
import {
  authenticatedChannel,
  rejectedChannel,
  tokenHash,
  tokenId,
  upstreamOf,
} from './diagnostics.js';
import type { NonceIssuer } from './dpop/nonce.js';
import { AuthError, ServiceUnavailableError, UseDpopNonceError } from './errors.js';
import type { VerifiedToken } from './jwt/verified-token.js';
import { type LogSink, logRejection } from './logger.js';
import type { IncomingRequest } from './request.js';
import type { AuthContext } from './types.js';

/** What the failed request contributes to its challenge. */
export interface ChallengeRequest {
  /** The scheme the client used, when known; the `error` attribute goes on its challenge. */
  scheme: 'Bearer' | 'DPoP' | undefined;
  /**
   * The token came in the query string (RFC 6750 §2.3) or a cookie: the answer must not be stored
   * by a shared cache, which protects answers to `Authorization` requests only (RFC 9111 §3.5).
   */
  privateAnswer: boolean;
  /** A cross-origin request: expose the challenge to browser clients. */
  crossOrigin: boolean;
  /** A fresh DPoP server nonce to offer (RFC 9449 §8, §9). */
  dpopNonce: string | undefined;
}

/**
 * The headers of every answer, accepted or rejected, in one place:
 * - a rejection: the challenge (none for a 503, which carries `Retry-After` instead);
 * - a fresh DPoP server nonce (RFC 9449 §8, §9): `DPoP-Nonce`;
 * - `Cache-Control`: `no-store` for a 503 and a nonce challenge (RFC 9111 §3: about this moment,
 *   this nonce window), else `private` when the token came in the query string (RFC 6750 §2.3) or
 *   a cookie;
 * - for a cross-origin request, `Access-Control-Expose-Headers` naming the headers a browser
 *   client must read.
 * `undefined` when an accepted request needs none (the usual case: nothing is allocated).
 */
function responseHeaders(
  error: AuthError | undefined,
  config: ChallengeConfig,
  request: ChallengeRequest,
): Record<string, string> | undefined {
  if (error === undefined && !request.privateAnswer && request.dpopNonce === undefined)
    return undefined;
  const headers: Record<string, string> = {};
  const exposed: string[] = [];
  if (error instanceof ServiceUnavailableError) {
    headers['Retry-After'] = String(error.retryAfter);
    exposed.push('Retry-After');
  } else if (error !== undefined) {
    headers['WWW-Authenticate'] = buildChallenge(error, config, request.scheme);
    exposed.push('WWW-Authenticate');
  }
  if (request.dpopNonce !== undefined) {
    headers['DPoP-Nonce'] = request.dpopNonce;
    exposed.push('DPoP-Nonce');
  }
  if (
    error !== undefined &&
    (error.code === 'use_dpop_nonce' || error instanceof ServiceUnavailableError)
  ) {
    headers['Cache-Control'] = 'no-store';
  } else if (request.privateAnswer) {
    headers['Cache-Control'] = 'private';
  }
  if (request.crossOrigin && exposed.length > 0) {
    headers['Access-Control-Expose-Headers'] = exposed.join(', ');
  }
  return headers;
}

/**
 * Fills in `error.headers` for the request that failed (see {@link responseHeaders}). Every 503
 * carries `Retry-After` and `Cache-Control: no-store`.
 */
export function attachHeaders(
  error: AuthError,
  config: ChallengeConfig,
  request: ChallengeRequest,
): AuthError {
  error.headers = responseHeaders(error, config, request) as Record<string, string>;
  return error;
}

/** Whether the answer to a request with these credentials must not be stored by a shared cache. */
export function isPrivateAnswer(extracted: ExtractedToken | undefined): boolean {
  return extracted?.location === 'query' || extracted?.location === 'cookie';
}

/**
 * The principal of an accepted request, with the headers the adapter adds to the response
 * (`Cache-Control: private` for a query or cookie token, a fresh `DPoP-Nonce`). Frozen: without
 * response headers it is made once per verified token and scheme and handed to every request
 * presenting that token, so a cache hit allocates nothing here; an answer with headers (a private
 * answer, a nonce) gets a principal of its own, so no request's headers reach another's.
 */
export function accept(
  extracted: ExtractedToken,
  verified: VerifiedToken,
  config: ChallengeConfig,
  crossOrigin: boolean,
  dpopNonce: string | undefined,
): AuthContext {
  const privateAnswer = isPrivateAnswer(extracted);
  if (privateAnswer || dpopNonce !== undefined) {
    const headers = responseHeaders(undefined, config, {
      scheme: extracted.scheme,
      privateAnswer,
      crossOrigin,
      dpopNonce,
    });
    return principal(extracted.token, extracted.scheme, verified, headers);
  }
  const contexts = verified.contexts;
  if (extracted.scheme === 'Bearer') {
    contexts.bearer ??= principal(extracted.token, 'Bearer', verified, undefined);
    return contexts.bearer;
  }
  contexts.dpop ??= principal(extracted.token, 'DPoP', verified, undefined);
  return contexts.dpop;
}

/**
 * `expiresAt`, an own enumerable getter: a Date cannot be frozen, so each read gets its own and no
 * handler can move another's. One descriptor for every principal (a closure per principal made
 * the principal six times costlier to build); `exp` is read from the frozen claims, where the
 * verified token's `exp` came from.
 */
const EXPIRES_AT: PropertyDescriptor = {
  enumerable: true,
  get(this: AuthContext): Date {
    return new Date((this.claims.exp as number) * 1000);
  },
};

function principal(
  token: string,
  scheme: 'Bearer' | 'DPoP',
  verified: VerifiedToken,
  headers: Record<string, string> | undefined,
): AuthContext {
  const context: { -readonly [K in keyof AuthContext]: AuthContext[K] } = {
    token,
    scheme,
    format: verified.format,
    claims: verified.claims,
    issuer: verified.issuer,
    scopes: verified.scopes,
  };
  if (verified.principalId !== undefined) context.principalId = verified.principalId;
  if (verified.subject !== undefined) context.subject = verified.subject;
  if (verified.clientId !== undefined) context.clientId = verified.clientId;
  if (verified.exp !== undefined) Object.defineProperty(context, 'expiresAt', EXPIRES_AT);
  if (verified.confirmation !== undefined) context.confirmation = verified.confirmation;
  if (verified.spiffeId !== undefined) context.spiffeId = verified.spiffeId;
  if (headers !== undefined) context.responseHeaders = headers;
  return Object.freeze(context);
}

/** Publishes an accepted request on `tokenguard:authenticated` (never the token: its `jti` or hash). */
export function publishAuthenticated(
  extracted: ExtractedToken,
  verified: VerifiedToken,
  cached: boolean,
): void {
  if (!authenticatedChannel.hasSubscribers) return;
  authenticatedChannel.publish({
    issuer: verified.issuer,
    principalId: verified.principalId,
    clientId: verified.clientId,
    format: verified.format,
    scheme: extracted.scheme,
    tokenId: tokenId(extracted.token, verified.jti),
    cached,
  });
}

/**
 * A rejected request: an `AuthError` gets its response headers, is published on
 * `tokenguard:rejected` and logged at debug by the guard's logger (with the token's hash, never
 * the token or its own `jti`: it is not trusted; with the details of the failed check). Anything
 * else is returned as it is, to be rethrown.
 */
export function reject(
  error: unknown,
  config: ChallengeConfig,
  request: ChallengeRequest,
  token: string | undefined,
  log?: LogSink,
): unknown {
  if (!(error instanceof AuthError)) return error;
  attachHeaders(error, config, request);
  if (rejectedChannel.hasSubscribers) {
    const upstream = upstreamOf(error);
    rejectedChannel.publish({
      status: error.status,
      code: error.code,
      reason: error.reason,
      tokenId: token === undefined ? undefined : tokenHash(token),
      ...(error.details !== undefined && { details: error.details }),
      ...(upstream !== undefined && { upstream }),
    });
  }
  if (log !== undefined) {
    logRejection(log, error, token === undefined ? undefined : () => tokenHash(token));
  }
  return error;
}

/** What a guard's rejections need of it. */
export interface RejectionContext {
  readonly config: {
    readonly challenge: ChallengeConfig;
    readonly clock: () => number;
    readonly log?: LogSink | undefined;
  };
  readonly extract: Pick<ExtractOptions, 'dpop'>;
  readonly nonce: NonceIssuer | undefined;
}

/** {@link reject} for a request `guard.authenticate()` turned down, at whatever step. */
export function rejectRequest(
  error: unknown,
  guard: RejectionContext,
  request: IncomingRequest,
  extracted: ExtractedToken | undefined,
): unknown {
  return reject(
    error,
    guard.config.challenge,
    {
      // Failed before the credentials were read: the header's scheme if it names one of ours,
      // else none, and the error then goes on every challenge.
      scheme: extracted?.scheme ?? authorizationScheme(request, guard.extract),
      privateAnswer: isPrivateAnswer(extracted),
      crossOrigin: request.headers.origin !== undefined,
      dpopNonce:
        error instanceof UseDpopNonceError ? guard.nonce?.issue(guard.config.clock()) : undefined,
    },
    extracted?.token,
    guard.config.log,
  );
}
