import type { AuthRequirements } from './authorize/requirements.js';
import type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './metadata.js';
import type { RequestUrlParts } from './public-url.js';
import type { RequestView, TokenRequest } from './request.js';

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
   * per issuer), or `${iss}|client:${client_id}` for a token without `sub`; a JWT-SVID's SPIFFE ID
   * (unique across trust domains, and never an `https:` issuer's key). Absent when the token
   * names neither. Collision-free: `%` and `|` in the issuer, `%` in the subject and a subject's
   * leading `client:` are percent-encoded.
   */
  readonly principalId?: string;
  /** The client the token was issued to: `client_id`, else `azp`, or the claims `clientIdClaim` names. */
  readonly clientId?: string;
  /**
   * The scopes: `scope` (else `scp`), plus the values of `scopeClaims` under their prefixes
   * (roles, groups, permissions: `role:admin`).
   */
  readonly scopes: ReadonlySet<string>;
  /**
   * For a SPIFFE JWT-SVID: the workload's SPIFFE ID (its `sub`, syntax-checked, of a trusted
   * trust domain, on the allow-list). It is then also `subject` and `principalId`, and `issuer`
   * is `spiffe://<trust domain>`.
   */
  readonly spiffeId?: string;
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
   * With `{ optional: true }`, a request without credentials resolves to `undefined`. The request
   * is a {@link TokenRequest} with its public `url`, or a {@link RequestView} with the parts an
   * adapter knows (core builds the URL from them, or from `publicUrl`, when it needs it).
   */
  authenticate<TClaims extends object = AccessTokenClaims>(
    request: TokenRequest | RequestView,
    requirements?: AuthRequirements & { optional?: false },
  ): Promise<AuthContext<TClaims>>;
  authenticate<TClaims extends object = AccessTokenClaims>(
    request: TokenRequest | RequestView,
    requirements: AuthRequirements,
  ): Promise<AuthContext<TClaims> | undefined>;
  /**
   * Verifies a token without a request, for in-process and non-HTTP callers (a queue consumer, a
   * WebSocket message, a CLI): the same checks as `authenticate()` — the verified-token cache,
   * the JWT checks or introspection, the guard's claim rules, then the requirements — with the
   * token as a bearer token. Resolves to the {@link AuthContext} (`scheme: 'Bearer'`) or rejects
   * with the same `AuthError` a request would get.
   *
   * Sender-constrained tokens stay request-bound: a DPoP-bound token (`cnf.jkt`) is refused
   * (`dpop.bound_token_as_bearer`), since only a proof made for a request shows its holder has
   * the key, and so is a certificate-bound one (`cnf["x5t#S256"]`): use `authenticate()` with
   * the request (a WebSocket upgrade is one). A string that is not a token (spaces, other
   * characters than RFC 6750's) is a 400 `invalid_request`.
   *
   * @example
   * ```ts
   * queue.on('job', async (job) => {
   *   const auth = await guard.verify(job.accessToken, { scopes: ['orders:write'] });
   *   await placeOrder(auth.principalId, job.order);
   * });
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.2
   */
  verify<TClaims extends object = AccessTokenClaims>(
    token: string,
    requirements?: AuthRequirements,
  ): Promise<AuthContext<TClaims>>;
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
  /**
   * Fetches each issuer's discovery metadata and key set now (and the introspection endpoint
   * when it is discovered), e.g. before a server starts listening. Rejects with an
   * `UpstreamError` naming the URL (without credentials), the cause (`ECONNREFUSED`,
   * `ENOTFOUND`, `ETIMEDOUT`, the HTTP status) and the issuer. The adapters call it at start-up
   * when the `warmUp` option says so.
   *
   * @example
   * ```ts
   * await guard.warmUp(); // UpstreamError: tokenguard: the JWKS of issuer https://auth.example.com/ failed (https://auth.example.com/jwks): ECONNREFUSED
   * server.listen(3000);
   * ```
   */
  warmUp(): Promise<void>;
  /** Closes the upstream connection pool. */
  close(): Promise<void>;
  /** The trusted issuers. */
  readonly issuers: readonly string[];
}
