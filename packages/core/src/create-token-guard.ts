import { authorize, type CompiledRequirements, compileLevel } from './authorize/authorize.js';
import { mergeLevels } from './authorize/compose.js';
import { type AuthRequirements, readRequirements } from './authorize/requirements.js';
import {
  authorizationScheme,
  type ExtractedToken,
  type ExtractOptions,
  extractToken,
} from './bearer/extract-token.js';
import { bindToken } from './bind.js';
import { constructGuard, type GuardConfig } from './construct.js';
import { authenticatedChannel, tokenId } from './diagnostics.js';
import { proofFor } from './dpop/proof-header.js';
import { ProofVerifier } from './dpop/verify-proof.js';
import { InvalidTokenError, MissingTokenError, UseDpopNonceError } from './errors.js';
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
import { accept, reject } from './respond.js';
import type { AuthContext, TokenGuard } from './types.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const GUARD = Symbol.for('tokenguard.guard');

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
  readonly #compiled = new WeakMap<AuthRequirements, CompiledRequirements>();
  readonly #introspector: Introspector | undefined;
  readonly #dpop: ProofVerifier | undefined;

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
  }

  authenticate(
    request: IncomingRequest,
    requirements?: AuthRequirements & { optional?: false },
  ): Promise<AuthContext>;
  authenticate(
    request: IncomingRequest,
    requirements: AuthRequirements,
  ): Promise<AuthContext | undefined>;
  async authenticate(
    request: IncomingRequest,
    requirements?: AuthRequirements,
  ): Promise<AuthContext | undefined> {
    const compiled =
      requirements === undefined ? this.#config.requirements : this.#compile(requirements);
    let extracted: ExtractedToken | undefined;
    try {
      // 1. Extract, with the DPoP proof that goes with the credentials.
      extracted = extractToken(request, this.#extract);
      const dpop = this.#dpop;
      const proofHeader =
        dpop === undefined ? undefined : proofFor(request, extracted, dpop.settings);
      if (extracted === undefined) {
        if (compiled.optional) return undefined;
        throw new MissingTokenError();
      }
      const { token } = extracted;
      const nowMs = this.#config.clock();
      // The proof's own checks, signature included, before the token costs an upstream call.
      const proof =
        proofHeader === undefined ? undefined : dpop?.check(proofHeader, request, token, nowMs);

      // 2. Verify.
      const now = nowMs / 1000;
      let verified = this.#cache?.get(token, now);
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

      // 3. Bind.
      const binding = bindToken(verified, proof, request, this.#config);
      if (binding !== undefined) await binding;

      // 4. Authorize.
      authorize(compiled, verified.scopes, verified.claims, now);

      // 5. Respond.
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
      const nonce = proof?.nonceStale ? dpop?.nonce?.issue(nowMs) : undefined;
      return accept(
        extracted,
        verified,
        this.#config.challenge,
        request.headers.origin !== undefined,
        nonce,
      );
    } catch (error) {
      throw reject(
        error,
        this.#config.challenge,
        {
          // Failed before the credentials were read: the header's scheme if it names one of
          // ours, else none, and the error then goes on every challenge.
          scheme: extracted?.scheme ?? authorizationScheme(request, this.#extract),
          fromQuery: extracted?.location === 'query',
          crossOrigin: request.headers.origin !== undefined,
          dpopNonce:
            error instanceof UseDpopNonceError
              ? this.#dpop?.nonce?.issue(this.#config.clock())
              : undefined,
        },
        extracted?.token,
      );
    }
  }

  #verify(token: string, fresh: boolean): VerifiedToken | Promise<VerifiedToken> {
    if (isJwsShaped(token)) return verifyAccessToken(token, this.#config);
    if (isNearJws(token)) throw new InvalidTokenError('jwt.encoding');
    // Not a JWT: an opaque token (or an encrypted one) only the issuer can tell about.
    if (this.#introspector !== undefined) return this.#introspector.introspect(token, fresh);
    throw new InvalidTokenError(isJweShaped(token) ? 'jwt.jwe' : 'token.opaque_unsupported');
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
    const { issuers, spiffe } = this.#config;
    const all = [...issuers.values(), ...(spiffe?.domains.values() ?? [])];
    await Promise.all([...new Set(all.map((issuer) => issuer.keySource))].map((s) => s?.warmUp()));
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
