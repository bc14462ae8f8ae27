import { authorizePrincipal, RequirementsCompiler } from './authorize/authorize.js';
import type { AuthRequirements } from './authorize/requirements.js';
import {
  checkToken,
  type ExtractedToken,
  type ExtractOptions,
  extractToken,
} from './bearer/extract-token.js';
import {
  type CompletionSteps,
  completeLater,
  completeRequest,
  settleRequest,
  verifyToken,
} from './complete-request.js';
import {
  AUTHENTICATE_NOW,
  constructGuard,
  GUARD,
  GUARD_CONFIG,
  type GuardConfig,
  warmUpUpstream,
} from './construct.js';
import { proofFor } from './dpop/proof-header.js';
import { ProofVerifier } from './dpop/verify-proof.js';
import { MissingTokenError } from './errors.js';
import { Introspector } from './introspection/introspect.js';
import { isJwsShaped } from './jws/parse.js';
import type { VerifiedToken } from './jwt/verified-token.js';
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

export { isTokenGuard } from './construct.js';

/** How a guard reads a request: `authenticate()`'s locations and DPoP, or `verify()`'s header. */
interface Mode {
  readonly extract: ExtractOptions;
  readonly dpop: ProofVerifier | undefined;
  readonly rejection: RejectionContext;
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
  readonly #cache: VerifiedTokenCache | undefined;
  readonly #compiler: RequirementsCompiler;
  readonly #introspector: Introspector | undefined;
  readonly #steps: CompletionSteps;
  readonly #request: Mode;
  /** `verify(token)`: the token as an `Authorization: Bearer` header, nothing else, no DPoP. */
  readonly #verifyMode: Mode;

  constructor(config: GuardConfig) {
    this.#config = config;
    this.issuers = Object.freeze([...config.issuers.keys()]);
    const extract = {
      ...config.extract,
      dpop: config.dpop !== undefined,
      publicUrl: config.publicUrl,
    };
    const headerOnly = { header: true, query: false, body: false };
    const verifyExtract = { ...extract, locations: headerOnly, dpop: false };
    const dpop =
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
    const nonce = dpop?.nonce;
    this.#steps = { config, introspector: this.#introspector, nonce, cache: this.#cache };
    this.#request = { extract, dpop, rejection: { config, extract, nonce } };
    const rejection = { config, extract: verifyExtract, nonce: undefined };
    this.#verifyMode = { extract: verifyExtract, dpop: undefined, rejection };
  }

  /** Internal: what the adapter toolkit and the token doctor read of a guard. */
  [GUARD_CONFIG](): GuardConfig {
    return this.#config;
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
    return this.#promise(request, requirements, this.#request);
  }

  /**
   * `authenticate()` without a promise when nothing has to be waited for (a cached token, keys in
   * memory, no proof to remember, a synchronous `isRevoked`): the principal, or a promise of it;
   * a rejection is thrown now or rejects the promise. What the adapter toolkit calls, so a cache
   * hit allocates nothing.
   */
  [AUTHENTICATE_NOW](
    request: IncomingRequest,
    requirements: AuthRequirements | undefined,
  ): AuthContext | undefined | Promise<AuthContext | undefined> {
    return this.#now(request, requirements, this.#request);
  }

  verify<T extends object>(
    token: string,
    requirements?: AuthRequirements,
  ): Promise<AuthContext<T>> {
    if (typeof token !== 'string') throw new TypeError('tokenguard: verify() takes a token string');
    // The same steps as a request's, with the token as its only credentials: no proof, so a
    // sender-constrained token is refused (bindToken), never accepted as a bearer token.
    const request = {
      method: 'POST',
      url: 'urn:tokenguard:verify',
      headers: { authorization: `Bearer ${token}` },
    };
    const verified = this.#promise(request, requirements, this.#verifyMode);
    return verified as Promise<AuthContext<T>>;
  }

  /** {@link Guard.#now}'s answer as one promise (a rejection thrown now rejects it). */
  #promise(
    request: IncomingRequest,
    requirements: AuthRequirements | undefined,
    mode: Mode,
  ): Promise<AuthContext | undefined> {
    try {
      const outcome = this.#now(request, requirements, mode);
      return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #now(
    request: IncomingRequest,
    requirements: AuthRequirements | undefined,
    mode: Mode,
  ): AuthContext | undefined | Promise<AuthContext | undefined> {
    const compiled =
      requirements === undefined ? this.#config.requirements : this.#compiler.compile(requirements);
    let extracted: ExtractedToken | undefined;
    try {
      // 1. Extract, with the DPoP proof that goes with the credentials.
      extracted = extractToken(request, mode.extract, true);
      const dpop = mode.dpop;
      const nowMs = this.#config.clock();
      const now = nowMs / 1000;
      // A token in the cache was checked when it was first seen: a hit skips the charset scan.
      let cached = extracted === undefined ? undefined : this.#cache?.peek(extracted.token, now);
      let jws: boolean | undefined;
      if (cached === undefined && extracted?.unchecked) {
        jws = checkToken(extracted.token, mode.extract.maxTokenLength);
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
        proofHeader === undefined
          ? undefined
          : dpop?.check(proofHeader, request, token, nowMs, cached);

      // 2. Verify. A route that demands a live introspection answer does not take a cached one.
      if (cached?.format === 'opaque' && compiled.introspect) cached = undefined;
      const steps = this.#steps;
      let verified: VerifiedToken | Promise<VerifiedToken> | undefined = cached;
      if (verified !== undefined) this.#cache?.checkTimes(token, verified, now);
      else {
        verified = verifyToken(steps, token, jws ?? isJwsShaped(token), compiled.introspect);
        if (verified instanceof Promise) {
          const later = completeLater(steps, verified, request, extracted, proof, compiled, nowMs);
          return settleRequest(mode.rejection, request, extracted, later);
        }
        this.#cache?.set(token, verified);
      }
      // 3 to 5: bind, authorize, the application's revocation check, respond.
      const hit = verified === cached;
      const ok = completeRequest(steps, request, extracted, verified, proof, compiled, hit, nowMs);
      if (!(ok instanceof Promise)) return ok;
      return settleRequest(mode.rejection, request, extracted, ok);
    } catch (error) {
      throw rejectRequest(error, mode.rejection, request, extracted);
    }
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
          privateAnswer: false,
          crossOrigin: request?.headers.origin !== undefined,
          dpopNonce: undefined,
        },
        undefined,
        this.#config.log,
      );
    }
  }

  requestUrl(parts: RequestUrlParts): string {
    return buildRequestUrl(parts, this.#config.publicUrl);
  }

  protectedResourceMetadata(
    options: ProtectedResourceMetadataOptions = {},
  ): { path: string; document: ProtectedResourceMetadata } | undefined {
    return resourceMetadataFor(this.#config, this.issuers, options);
  }

  warmUp(): Promise<void> {
    return warmUpUpstream(this.#config);
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
