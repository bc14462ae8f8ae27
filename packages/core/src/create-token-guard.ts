import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  type AuthRequirements,
  authorize,
  type CompiledRequirements,
  compileLevel,
  mergeLevels,
  readRequirements,
} from './authorize/requirements.js';
import {
  authorizationScheme,
  type ExtractedToken,
  type ExtractOptions,
  extractToken,
} from './bearer/extract-token.js';
import { attachHeaders } from './challenge.js';
import {
  authenticatedChannel,
  rejectedChannel,
  storeChannel,
  tokenHash,
  tokenId,
} from './diagnostics.js';
import { type CheckedProof, ProofVerifier, readProofHeader } from './dpop/verify-proof.js';
import {
  AuthError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
  ServiceUnavailableError,
  UseDpopNonceError,
} from './errors.js';
import { Introspector } from './introspection/introspect.js';
import {
  checkTimes,
  isJweShaped,
  isJwsShaped,
  isNearJws,
  type VerifiedToken,
  verifyAccessToken,
} from './jwt/verify-access-token.js';
import {
  buildResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  resourceMetadataPath,
} from './metadata.js';
import { checkCertificateBinding } from './mtls/certificate-binding.js';
import { type GuardConfig, resolveOptions, type TokenGuardOptions } from './options.js';
import { buildRequestUrl, type RequestUrlParts } from './public-url.js';
import type { TokenRequest } from './request.js';
import { isStoreFullError } from './store.js';

/**
 * Standard access-token claims (RFC 9068 §2.2, RFC 7662 §2.2), plus any other claim. Pass your
 * own interface as `AuthContext<MyClaims>` to type custom claims.
 */
export interface AccessTokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  client_id?: string;
  scope?: string;
  scp?: string | string[];
  acr?: string;
  auth_time?: number;
  cnf?: { jkt?: string; 'x5t#S256'?: string };
  [claim: string]: unknown;
}

/**
 * The verified principal of a request: what `authenticate` resolves to, and what adapters put on
 * `req.auth` / `request.auth`.
 */
export interface AuthContext<TClaims extends object = AccessTokenClaims> {
  /** The raw access token, for calling downstream APIs on the user's behalf. Never log it. */
  readonly token: string;
  readonly scheme: 'Bearer' | 'DPoP';
  readonly format: 'jwt' | 'opaque';
  /** The verified JWT payload or introspection response. Frozen. */
  readonly claims: Readonly<TClaims>;
  readonly issuer: string;
  readonly subject?: string;
  /**
   * A stable key for the caller, to store data by: `${iss}|${sub}` (`sub` alone is only unique
   * per issuer), or `${iss}|client:${client_id}` for a token without `sub`. Absent when the token
   * names neither. Collision-free: `%` and `|` in the issuer, `%` in the subject and a subject's
   * leading `client:` are percent-encoded.
   */
  readonly principalId?: string;
  readonly clientId?: string;
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt?: Date;
  /** The token's sender constraint (RFC 7800 `cnf`), checked against the request. */
  readonly confirmation?: Readonly<{ jkt?: string; 'x5t#S256'?: string }>;
  /**
   * Headers the adapter adds to the response: `Cache-Control: private` when the token came in the
   * query string (RFC 6750 §2.3), a fresh `DPoP-Nonce`.
   */
  readonly responseHeaders?: Readonly<Record<string, string>>;
}

/**
 * Decides whether a request is authenticated and authorized. Create one per API with
 * {@link createTokenGuard} and share it: it holds the key cache, the verified-token cache and the
 * upstream connection pool.
 */
export interface TokenGuard {
  /**
   * Authenticates a request and checks the requirements. Resolves to the {@link AuthContext}, or
   * rejects with an `AuthError` whose `status`, `headers` and `toResponse()` say what to answer.
   * With `{ optional: true }`, a request without credentials resolves to `undefined`.
   */
  authenticate<TClaims extends object = AccessTokenClaims>(
    request: TokenRequest,
    requirements?: AuthRequirements & { optional?: false },
  ): Promise<AuthContext<TClaims>>;
  authenticate<TClaims extends object = AccessTokenClaims>(
    request: TokenRequest,
    requirements: AuthRequirements,
  ): Promise<AuthContext<TClaims> | undefined>;
  /**
   * Checks further requirements (scopes, claims, step-up) for a request this guard already
   * authenticated, without authenticating again — a DPoP proof is single-use, so a second
   * `authenticate` of the same request would be a replay. With `auth` undefined (the request was
   * not authenticated) it throws the bare 401, unless the requirements say `optional: true`.
   * Throws an `AuthError` with the guard's challenge headers. `introspect` is not allowed here
   * (it needs the token and an upstream call: use `authenticate`).
   *
   * @example
   * ```ts
   * const auth = await guard.authenticate(request);
   * guard.authorize(auth, { scopes: ['orders:write'] }, request);
   * ```
   */
  authorize(
    auth: AuthContext<object> | undefined,
    requirements: AuthRequirements,
    request?: Pick<TokenRequest, 'headers'>,
  ): void;
  /**
   * The public absolute URL of a request, from the configured `publicUrl` or from the protocol and
   * Host the framework resolved (validated: an invalid Host throws a 400 `AuthError`).
   */
  requestUrl(parts: RequestUrlParts): string;
  /**
   * The RFC 9728 metadata document and the path to serve it at, or `undefined` when no
   * `resource` is configured.
   */
  protectedResourceMetadata(
    options?: ProtectedResourceMetadataOptions,
  ): { path: string; document: ProtectedResourceMetadata } | undefined;
  /**
   * Validates route requirements against this guard's configuration (e.g. `introspect: true`
   * needs the `introspection` option) and prepares them, so a mistake is a `TypeError` when the
   * route is declared, not on the request path. Adapters call it when they register a route.
   */
  checkRequirements(requirements: AuthRequirements, name?: string): void;
  /** Fetches discovery metadata and key sets now; rejects if one cannot be fetched. */
  warmUp(): Promise<void>;
  /** Closes the upstream connection pool. */
  close(): Promise<void>;
  /** The trusted issuers. */
  readonly issuers: readonly string[];
}

const GUARD = Symbol.for('tokenguard.guard');

/** Whether `value` is a guard made by {@link createTokenGuard}. */
export function isTokenGuard(value: unknown): value is TokenGuard {
  return typeof value === 'object' && value !== null && GUARD in value;
}

/**
 * Validates route requirements ahead of time (adapters call it when a route is declared), so a
 * mistake is a `TypeError` at startup rather than an error on the request path: an unknown key
 * (naming the closest valid one), a malformed scope, claim rule or `maxAge`. It does NOT check
 * them against a guard's configuration: `guard.checkRequirements()` does.
 *
 * @example
 * ```ts
 * validateRequirements({ scopes: ['orders:write'] }, '@Scopes()');
 * ```
 */
export function validateRequirements(requirements: AuthRequirements, name = 'requirements'): void {
  readRequirements(requirements, name);
}

class Guard implements TokenGuard {
  readonly [GUARD] = true;
  readonly issuers: readonly string[];
  readonly #config: GuardConfig;
  readonly #extract: ExtractOptions;
  readonly #cache: LRUCache<string, VerifiedToken> | undefined;
  readonly #compiled = new WeakMap<AuthRequirements, CompiledRequirements>();
  readonly #introspector: Introspector | undefined;
  readonly #dpop: ProofVerifier | undefined;

  constructor(config: GuardConfig) {
    this.#config = config;
    this.issuers = Object.freeze([...config.issuers.keys()]);
    this.#extract = {
      locations: config.locations,
      dpop: config.dpop !== undefined,
      maxTokenLength: config.maxTokenLength,
    };
    this.#dpop = config.dpop === undefined ? undefined : new ProofVerifier(config.dpop);
    this.#introspector =
      config.introspection === undefined
        ? undefined
        : new Introspector(config.introspection, config, config.store);
    this.#cache =
      config.cache === false
        ? undefined
        : new LRUCache<string, VerifiedToken>({
            max: config.cache.max,
            maxSize: config.cache.maxSize,
            sizeCalculation: (_value, key) => key.length + 256,
          });
  }

  authenticate(
    request: TokenRequest,
    requirements?: AuthRequirements & { optional?: false },
  ): Promise<AuthContext>;
  authenticate(
    request: TokenRequest,
    requirements: AuthRequirements,
  ): Promise<AuthContext | undefined>;
  async authenticate(
    request: TokenRequest,
    requirements?: AuthRequirements,
  ): Promise<AuthContext | undefined> {
    const compiled =
      requirements === undefined ? this.#config.requirements : this.#compile(requirements);
    let extracted: ExtractedToken | undefined;
    const dpop = this.#dpop;
    try {
      extracted = extractToken(request, this.#extract);
      const proofHeader = dpop && readProofHeader(request.headers, request.rawHeaders);
      if (extracted === undefined) {
        // A proof with no token to go with it is a confused client, not an anonymous one.
        if (proofHeader !== undefined) throw new InvalidRequestError('dpop.proof_without_token');
        if (compiled.optional) return undefined;
        throw new MissingTokenError();
      }
      if (dpop !== undefined) {
        if (extracted.scheme === 'Bearer') {
          if (proofHeader !== undefined) throw new InvalidRequestError('dpop.proof_with_bearer');
          if (this.#config.dpop?.mode === 'required') throw new InvalidTokenError('dpop.required');
        } else if (proofHeader === undefined) {
          // A missing parameter, not a bad proof (RFC 6750 §3.1).
          throw new InvalidRequestError('dpop.proof_missing');
        }
      }
      const { token } = extracted;
      const nowMs = this.#config.clock();
      const now = nowMs / 1000;
      let verified = this.#cached(token, now);
      // A route that demands a live introspection answer does not take a cached one.
      if (verified?.format === 'opaque' && compiled.introspect) verified = undefined;
      const cached = verified !== undefined;
      if (verified === undefined) {
        const result = this.#verify(token, compiled.introspect);
        verified = result instanceof Promise ? await result : result;
        this.#cache?.set(token, verified);
      }
      const introspector = this.#introspector;
      if (
        verified.format === 'jwt' &&
        introspector !== undefined &&
        (compiled.introspect || introspector.mode === 'always')
      ) {
        // Revocation-sensitive: a locally valid JWT must also be active at the issuer.
        await introspector.introspect(token, compiled.introspect);
      }

      // Sender constraints. A bound token is never accepted as a bearer token, whatever the
      // configuration (RFC 9449 §7.2, RFC 8705 §3).
      const jkt = verified.confirmation?.jkt;
      let proof: CheckedProof | undefined;
      if (extracted.scheme === 'DPoP' && dpop !== undefined && proofHeader !== undefined) {
        if (jkt === undefined) throw new InvalidTokenError('dpop.token_not_bound');
        proof = dpop.check(proofHeader, request, token, nowMs);
        if (proof.jkt !== jkt) {
          throw new InvalidTokenError('dpop.key_binding', 'Invalid DPoP key binding');
        }
        await this.#rememberProof(verified.issuer, proof);
      } else if (jkt !== undefined) {
        throw new InvalidTokenError('dpop.bound_token_as_bearer');
      }
      checkCertificateBinding(verified.confirmation?.['x5t#S256'], request, this.#config.mtls);

      authorize(compiled, verified.scopes, verified.claims, now);
      if (authenticatedChannel.hasSubscribers) {
        authenticatedChannel.publish({
          issuer: verified.issuer,
          principalId: verified.principalId,
          clientId: verified.clientId,
          format: verified.format,
          scheme: extracted.scheme,
          tokenId: tokenId(token, verified.jti),
          cached,
        });
      }
      const freshNonce = proof?.nonceStale ? dpop?.nonce?.issue(nowMs) : undefined;
      return toContext(
        token,
        extracted,
        verified,
        freshNonce,
        request.headers.origin !== undefined,
      );
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      attachHeaders(error, this.#config.challenge, {
        // Failed before the credentials were read: the header's scheme if it names one of ours,
        // else none, and the error then goes on every challenge.
        scheme: extracted?.scheme ?? authorizationScheme(request, this.#extract),
        fromQuery: extracted?.location === 'query',
        crossOrigin: request.headers.origin !== undefined,
        dpopNonce:
          error instanceof UseDpopNonceError ? dpop?.nonce?.issue(this.#config.clock()) : undefined,
      });
      if (rejectedChannel.hasSubscribers) {
        rejectedChannel.publish({
          status: error.status,
          code: error.code,
          reason: error.reason,
          // The token is not trusted: identify it by hash only, never by its own jti.
          tokenId: extracted === undefined ? undefined : tokenHash(extracted.token),
        });
      }
      throw error;
    }
  }

  /**
   * Remembers a proof's `jti` (per issuer and proof key) for as long as the proof could be
   * accepted; a second use is a replay. A store that fails, or is full, answers 503: replay
   * protection is not optional, and a full replay memory refuses new proofs rather than forget
   * one that could still be replayed.
   */
  async #rememberProof(issuer: string, proof: CheckedProof): Promise<void> {
    const settings = this.#config.dpop!;
    const key = `dpop:${createHash('sha256').update(`${issuer}\0${proof.jkt}\0${proof.jti}`).digest('base64url')}`;
    let fresh: boolean;
    try {
      fresh = await this.#config.replayStore.setIfAbsent(
        key,
        '1',
        settings.iatWindow + settings.iatLeeway,
      );
    } catch (error) {
      const full = isStoreFullError(error);
      if (storeChannel.hasSubscribers) {
        storeChannel.publish({
          operation: 'setIfAbsent',
          event: full ? 'full' : 'failure',
          detail: full ? 'dpop replay store full' : 'dpop replay check',
        });
      }
      if (full) {
        const after = error.retryAfter;
        const seconds =
          typeof after === 'number' && Number.isFinite(after) ? Math.max(1, Math.ceil(after)) : 1;
        throw new ServiceUnavailableError('dpop.replay_store_full', seconds);
      }
      throw new ServiceUnavailableError('dpop.replay_store_unavailable', 1);
    }
    if (!fresh) throw new InvalidDpopProofError('dpop.replay');
  }

  #compile(requirements: AuthRequirements, name = 'requirements'): CompiledRequirements {
    let compiled = this.#compiled.get(requirements);
    if (compiled === undefined) {
      // The guard's own requirements are the outermost level of every route's.
      compiled = compileLevel(
        mergeLevels([this.#config.guardLevel, readRequirements(requirements, name)]),
      );
      if (compiled.introspect && this.#introspector === undefined) {
        throw new TypeError(
          `tokenguard: "${name}.introspect: true" needs the "introspection" option`,
        );
      }
      this.#compiled.set(requirements, compiled);
    }
    return compiled;
  }

  checkRequirements(requirements: AuthRequirements, name = 'requirements'): void {
    this.#compile(requirements, name);
  }

  authorize(
    auth: AuthContext<object> | undefined,
    requirements: AuthRequirements,
    request?: Pick<TokenRequest, 'headers'>,
  ): void {
    const compiled = this.#compile(requirements);
    if (compiled.introspect) {
      throw new TypeError(
        'tokenguard: authorize() cannot take "introspect"; pass it to authenticate()',
      );
    }
    try {
      if (auth === undefined) {
        if (compiled.optional) return;
        throw new MissingTokenError('authz.not_authenticated');
      }
      authorize(
        compiled,
        auth.scopes,
        auth.claims as Record<string, unknown>,
        this.#config.clock() / 1000,
      );
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      attachHeaders(error, this.#config.challenge, {
        scheme: auth?.scheme,
        fromQuery: false,
        crossOrigin: request?.headers.origin !== undefined,
        dpopNonce: undefined,
      });
      if (rejectedChannel.hasSubscribers) {
        rejectedChannel.publish({
          status: error.status,
          code: error.code,
          reason: error.reason,
          tokenId: undefined,
        });
      }
      throw error;
    }
  }

  /** A cached verification that is still valid now, or `undefined`. */
  #cached(token: string, now: number): VerifiedToken | undefined {
    const cache = this.#cache;
    if (cache === undefined) return undefined;
    const hit = cache.get(token);
    if (hit === undefined) return undefined;
    if (
      (hit.key !== undefined && !hit.key.active) ||
      (hit.cacheUntil !== undefined && now * 1000 >= hit.cacheUntil)
    ) {
      // Its key left the JWKS: verify again (and fail, unless the key is back).
      cache.delete(token);
      return undefined;
    }
    try {
      checkTimes(hit, now, this.#config);
    } catch (error) {
      cache.delete(token);
      throw error;
    }
    return hit;
  }

  #verify(token: string, fresh: boolean): VerifiedToken | Promise<VerifiedToken> {
    if (isJwsShaped(token)) return verifyAccessToken(token, this.#config);
    if (isNearJws(token)) throw new InvalidTokenError('jwt.encoding');
    // Not a JWT: an opaque token (or an encrypted one) only the issuer can tell about.
    if (this.#introspector !== undefined) return this.#introspector.introspect(token, fresh);
    throw new InvalidTokenError(isJweShaped(token) ? 'jwt.jwe' : 'token.opaque_unsupported');
  }

  requestUrl(parts: RequestUrlParts): string {
    return buildRequestUrl(parts, this.#config.publicUrl);
  }

  protectedResourceMetadata(
    options: ProtectedResourceMetadataOptions = {},
  ): { path: string; document: ProtectedResourceMetadata } | undefined {
    const resource = this.#config.resource;
    if (resource === undefined) return undefined;
    return {
      path: resourceMetadataPath(resource),
      document: buildResourceMetadata({
        resource,
        issuers: this.issuers,
        locations: this.#config.locations,
        dpopAlgorithms:
          this.#config.dpop === undefined ? undefined : [...this.#config.dpop.algorithms],
        dpopRequired: this.#config.dpop?.mode === 'required',
        mtls: this.#config.mtls !== undefined,
        extra: options,
      }),
    };
  }

  async warmUp(): Promise<void> {
    await Promise.all(
      [...this.#config.issuers.values()].map((issuer) => issuer.keySource?.warmUp()),
    );
  }

  async close(): Promise<void> {
    await this.#config.http.close();
  }
}

function toContext(
  token: string,
  extracted: ExtractedToken,
  verified: VerifiedToken,
  dpopNonce: string | undefined,
  crossOrigin: boolean,
): AuthContext {
  const context: {
    -readonly [K in keyof AuthContext]: AuthContext[K];
  } = {
    token,
    scheme: extracted.scheme,
    format: verified.format,
    claims: verified.claims,
    issuer: verified.issuer,
    scopes: verified.scopes,
  };
  if (verified.principalId !== undefined) context.principalId = verified.principalId;
  if (verified.subject !== undefined) context.subject = verified.subject;
  if (verified.clientId !== undefined) context.clientId = verified.clientId;
  if (verified.exp !== undefined) context.expiresAt = new Date(verified.exp * 1000);
  if (verified.confirmation !== undefined) context.confirmation = verified.confirmation;
  if (extracted.location === 'query' || dpopNonce !== undefined) {
    const headers: Record<string, string> = {};
    if (extracted.location === 'query') headers['Cache-Control'] = 'private';
    if (dpopNonce !== undefined) {
      headers['DPoP-Nonce'] = dpopNonce;
      if (crossOrigin) headers['Access-Control-Expose-Headers'] = 'DPoP-Nonce';
    }
    context.responseHeaders = headers;
  }
  return context;
}

/**
 * Creates a guard: validates the options (a `TypeError` naming the option for any mistake) and
 * prepares issuers, key sources and caches. Nothing is fetched until the first request, or
 * {@link TokenGuard.warmUp}.
 *
 * Checks, in order: credentials extracted (RFC 6750 §2), JWT verified against the issuer's JWKS
 * (signature, `iss`, `aud`, `exp`/`nbf`/`iat`, `typ`), then scopes, claims and step-up. It does
 * NOT check anything your application knows better, such as whether `sub` still exists.
 *
 * @example
 * ```ts
 * import { createTokenGuard } from '@tokenguard/core';
 *
 * const guard = createTokenGuard({
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 * });
 * const auth = await guard.authenticate(
 *   { method: 'GET', url: 'https://api.example.com/orders', headers: { authorization: 'Bearer ey…' } },
 *   { scopes: ['orders:read'] },
 * );
 * console.log(auth.principalId, [...auth.scopes]);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 * @see https://www.rfc-editor.org/rfc/rfc9068
 */
export function createTokenGuard(options: TokenGuardOptions): TokenGuard {
  return new Guard(resolveOptions(options));
}
