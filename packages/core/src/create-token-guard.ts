import {
  authorizePrincipal,
  type CompiledRequirements,
  RequirementsCompiler,
} from './authorize/authorize.js';
import type { AuthRequirements } from './authorize/requirements.js';
import {
  checkToken,
  type ExtractedToken,
  type ExtractOptions,
  extractToken,
} from './bearer/extract-token.js';
import { type CompletionSteps, completeRequest } from './complete-request.js';
import { constructGuard, type GuardConfig } from './construct.js';
import { proofFor } from './dpop/proof-header.js';
import { type CheckedProof, ProofVerifier } from './dpop/verify-proof.js';
import { InvalidTokenError, MissingTokenError } from './errors.js';
import { Introspector } from './introspection/introspect.js';
import { isJweShaped, isJwsShaped, isNearJws } from './jws/parse.js';
import type { VerifiedToken } from './jwt/verified-token.js';
import { verifyAccessToken } from './jwt/verify-access-token.js';
import {
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  resourceMetadataFor,
} from './metadata.js';
import { resolveOptions, type TokenGuardOptions } from './options.js';
import { buildRequestUrl, type RequestUrlParts } from './public-url.js';
import type { IncomingRequest, TokenRequest } from './request.js';
import { type RejectionContext, reject, rejectRequest } from './respond.js';
import type { AuthContext, TokenGuard } from './types.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const GUARD = Symbol.for('tokenguard.guard');

/**
 * The guard's synchronous-when-possible `authenticate()`, for the adapter toolkit
 * (`authenticateNow()` in adapter/request-state.ts). Not part of the public `TokenGuard` type.
 */
export const AUTHENTICATE_NOW: unique symbol = Symbol.for('tokenguard.authenticateNow');

/** Whether `value` is a guard made by {@link createTokenGuard}. */
export function isTokenGuard(value: unknown): value is TokenGuard {
  return typeof value === 'object' && value !== null && GUARD in value;
}

/**
 * One request, five steps: extract the credentials, verify the token, bind it to the request
 * (DPoP proof, client certificate), authorize it against the requirements, and respond with the
 * principal or an `AuthError` carrying its headers. The DPoP proof is checked right after
 * extraction, before the token costs a JWKS fetch or an introspection call.
 */
class Guard implements TokenGuard {
  readonly [GUARD] = true;
  readonly issuers: readonly string[];
  readonly #config: GuardConfig;
  readonly #extract: ExtractOptions;
  readonly #cache: VerifiedTokenCache | undefined;
  readonly #compiler: RequirementsCompiler;
  readonly #introspector: Introspector | undefined;
  readonly #dpop: ProofVerifier | undefined;
  readonly #steps: CompletionSteps;
  readonly #rejection: RejectionContext;

  constructor(config: GuardConfig) {
    this.#config = config;
    this.issuers = Object.freeze([...config.issuers.keys()]);
    this.#extract = {
      ...config.extract,
      dpop: config.dpop !== undefined,
      publicUrl: config.publicUrl,
    };
    this.#dpop =
      config.dpop === undefined ? undefined : new ProofVerifier(config.dpop, config.publicUrl);
    const introspection = config.introspection;
    this.#introspector =
      introspection === undefined
        ? undefined
        : new Introspector(introspection, {
            ...config,
            issuer: config.issuers.get(introspection.issuer)!,
          });
    this.#cache = config.cache === false ? undefined : new VerifiedTokenCache(config.cache, config);
    this.#compiler = new RequirementsCompiler(config.guardLevel, introspection !== undefined);
    this.#steps = { config, introspector: this.#introspector, nonce: this.#dpop?.nonce };
    this.#rejection = { ...this.#steps, extract: this.#extract };
  }

  authenticate(
    request: IncomingRequest,
    requirements?: AuthRequirements & { optional?: false },
  ): Promise<AuthContext>;
  authenticate(
    request: IncomingRequest,
    requirements: AuthRequirements,
  ): Promise<AuthContext | undefined>;
  authenticate(
    request: IncomingRequest,
    requirements?: AuthRequirements,
  ): Promise<AuthContext | undefined> {
    try {
      const outcome = this[AUTHENTICATE_NOW](request, requirements);
      return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `authenticate()` without a promise when nothing has to be waited for (a cached token, keys in
   * memory, no proof to remember): the principal, or a promise of it; a rejection is thrown now
   * or rejects the promise. What the adapter toolkit calls, so a cache hit allocates nothing.
   */
  [AUTHENTICATE_NOW](
    request: IncomingRequest,
    requirements: AuthRequirements | undefined,
  ): AuthContext | undefined | Promise<AuthContext | undefined> {
    const compiled =
      requirements === undefined ? this.#config.requirements : this.#compiler.compile(requirements);
    let extracted: ExtractedToken | undefined;
    try {
      // 1. Extract, with the DPoP proof that goes with the credentials.
      extracted = extractToken(request, this.#extract, true);
      const dpop = this.#dpop;
      const nowMs = this.#config.clock();
      const now = nowMs / 1000;
      // A token in the cache was checked when it was first seen: a hit skips the charset scan.
      let cached = extracted === undefined ? undefined : this.#cache?.peek(extracted.token, now);
      let jws: boolean | undefined;
      if (cached === undefined && extracted?.unchecked) {
        jws = checkToken(extracted.token, this.#extract.maxTokenLength);
      }
      const proofHeader =
        dpop === undefined ? undefined : proofFor(request, extracted, dpop.settings);
      if (extracted === undefined) {
        if (compiled.optional) return undefined;
        throw new MissingTokenError();
      }
      const { token } = extracted;
      // The proof's own checks, signature included, before the token costs an upstream call.
      const proof =
        proofHeader === undefined ? undefined : dpop?.check(proofHeader, request, token, nowMs);

      // 2. Verify. A route that demands a live introspection answer does not take a cached one.
      if (cached?.format === 'opaque' && compiled.introspect) cached = undefined;
      let verified: VerifiedToken | Promise<VerifiedToken> | undefined = cached;
      if (verified !== undefined) this.#cache?.checkTimes(token, verified, now);
      else {
        verified = this.#verify(token, jws ?? isJwsShaped(token), compiled.introspect);
        if (verified instanceof Promise) {
          const later = this.#whenVerified(verified, request, extracted, proof, compiled, nowMs);
          return this.#settle(request, extracted, later);
        }
        this.#cache?.set(token, verified);
      }
      const hit = verified === cached;
      const steps = this.#steps;
      const done = completeRequest(
        steps,
        request,
        extracted,
        verified,
        proof,
        compiled,
        hit,
        nowMs,
      );
      return done instanceof Promise ? this.#settle(request, extracted, done) : done;
    } catch (error) {
      throw rejectRequest(error, this.#rejection, request, extracted);
    }
  }

  async #whenVerified(
    pending: Promise<VerifiedToken>,
    request: IncomingRequest,
    extracted: ExtractedToken,
    proof: CheckedProof | undefined,
    compiled: CompiledRequirements,
    nowMs: number,
  ): Promise<AuthContext> {
    const verified = await pending;
    this.#cache?.set(extracted.token, verified);
    const steps = this.#steps;
    return completeRequest(steps, request, extracted, verified, proof, compiled, false, nowMs);
  }

  /** The steps that waited: a rejection becomes the request's `AuthError`, with its headers. */
  async #settle<T>(
    request: IncomingRequest,
    extracted: ExtractedToken,
    pending: Promise<T>,
  ): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      throw rejectRequest(error, this.#rejection, request, extracted);
    }
  }

  #verify(token: string, jws: boolean, fresh: boolean): VerifiedToken | Promise<VerifiedToken> {
    if (jws) return verifyAccessToken(token, this.#config);
    if (isNearJws(token)) throw new InvalidTokenError('jwt.encoding');
    // Not a JWT: an opaque token (or an encrypted one) only the issuer can tell about.
    if (this.#introspector !== undefined) return this.#introspector.introspect(token, fresh);
    throw new InvalidTokenError(isJweShaped(token) ? 'jwt.jwe' : 'token.opaque_unsupported');
  }

  checkRequirements(requirements: AuthRequirements, name = 'requirements'): void {
    this.#compiler.compile(requirements, name);
  }

  authorize(
    auth: AuthContext<object> | undefined,
    requirements: AuthRequirements,
    request?: Pick<TokenRequest, 'headers'>,
  ): void {
    const compiled = this.#compiler.compile(requirements);
    if (compiled.introspect) {
      throw new TypeError(
        'tokenguard: authorize() cannot take "introspect"; pass it to authenticate()',
      );
    }
    try {
      authorizePrincipal(compiled, auth, this.#config.clock() / 1000);
    } catch (error) {
      throw reject(
        error,
        this.#config.challenge,
        {
          scheme: auth?.scheme,
          fromQuery: false,
          crossOrigin: request?.headers.origin !== undefined,
          dpopNonce: undefined,
        },
        undefined,
      );
    }
  }

  requestUrl(parts: RequestUrlParts): string {
    return buildRequestUrl(parts, this.#config.publicUrl);
  }

  protectedResourceMetadata(
    options: ProtectedResourceMetadataOptions = {},
  ): { path: string; document: ProtectedResourceMetadata } | undefined {
    const config = this.#config;
    return resourceMetadataFor({
      resource: config.resource,
      issuers: this.issuers,
      locations: config.extract.locations,
      dpop: config.dpop,
      mtls: config.mtls !== undefined,
      extra: options,
    });
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
  return new Guard(constructGuard(resolveOptions(options)));
}
