/**
 * The stable codes of {@link AuthError}. Most equal the RFC 6750 / RFC 9449 / RFC 9470 `error`
 * value sent to the client; `missing_token` (no credentials: a bare challenge without `error`) and
 * `temporarily_unavailable` (a dependency is down: 503) are tokenguard's own.
 */
export type AuthErrorCode =
  | 'invalid_request'
  | 'missing_token'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'temporarily_unavailable';

/**
 * A value in {@link RejectionDetails}: from the guard's configuration, or a bounded, sanitised
 * excerpt of what the client sent (printable ASCII, at most 80 characters per string and 10
 * values per list).
 */
export type DetailValue = string | number | boolean | null | readonly (string | number)[];

/**
 * Why a check failed, as facts: the field it compared, what this guard accepts and what the token
 * (or the DPoP proof) carried. For logs, the token doctor and telemetry; never sent to the client.
 * It holds no token, proof, secret or key material, and of what the client chose only an excerpt
 * of the compared value.
 *
 * @example
 * ```ts
 * // A token for another API:
 * { field: 'aud', expected: ['https://api.example.com'], actual: 'https://other.example' }
 * // An expired token: `actual` is its `exp`, `now` the guard's clock, both in seconds.
 * { field: 'exp', actual: 1767225600, now: 1767225725, clockTolerance: 30 }
 * ```
 */
export interface RejectionDetails {
  /**
   * What was compared: a claim (`iss`, `aud`, `exp`, `nbf`, `iat`, `scope`, `acr`, `auth_time`,
   * `active`, a claim rule's name), a header member (`typ`, `alg`, `kid`), a DPoP proof member
   * (`htm`, `htu`, `iat`, `jkt`) or the token itself (`token`: its length).
   */
  readonly field: string;
  /** What this guard or the route accepts (from configuration). */
  readonly expected?: DetailValue;
  /** What the token or proof carried (an excerpt); `null` when the field was absent. */
  readonly actual?: DetailValue;
  /** For time checks: the guard's clock, in seconds since the epoch. */
  readonly now?: number;
  /** For time checks: the guard's `clockTolerance`, in seconds. */
  readonly clockTolerance?: number;
}

/** The response an adapter writes for an {@link AuthError}: status, headers and body. */
export interface AuthErrorResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  /** A JSON string `{ "error", "error_description" }`, or `undefined` for a bare 401. */
  body: string | undefined;
  /** The same body as an object, for frameworks that serialise it themselves. */
  json: { error: string; error_description: string } | undefined;
}

const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A request that tokenguard rejects. Carries its HTTP meaning so that framework error handlers
 * (Express's `finalhandler`, Fastify's default handler) already answer correctly: `status` and
 * `statusCode`, the stable `code`, a fixed and safe `description`, and the response `headers`
 * (`WWW-Authenticate`, `Retry-After`, …).
 *
 * It never contains the token, a key id, or anything else the client sent. The internal reason
 * (which check failed) is `reason`; it is meant for logs and diagnostics, not for the client.
 *
 * @example
 * ```ts
 * try {
 *   req.auth = await guard.authenticate(request);
 * } catch (err) {
 *   if (err instanceof AuthError) {
 *     const { status, headers, body } = err.toResponse();
 *     res.writeHead(status, headers).end(body);
 *   } else throw err;
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class AuthError extends Error {
  override readonly name: string = 'AuthError';
  /** The HTTP status: 400, 401, 403 or 503. */
  readonly status: number;
  /** Same as {@link AuthError.status}; Fastify and some Express handlers read `statusCode`. */
  readonly statusCode: number;
  /** A stable code to branch on. */
  readonly code: AuthErrorCode;
  /** A fixed, client-safe sentence; also the `error_description` sent to the client. */
  readonly description: string;
  /**
   * Internal reason code (for example `jwt.expired`, `jwks.unavailable`). For logs and
   * diagnostics; never sent to the client.
   */
  readonly reason: string;
  /**
   * The facts behind `reason` (the field compared, expected and actual values), when the check
   * has any: see {@link RejectionDetails}. For logs and diagnostics; never sent to the client.
   */
  readonly details: RejectionDetails | undefined = undefined;
  /** `true`: the message is safe to show to the client (http-errors convention). */
  readonly expose: boolean = true;
  /**
   * Response headers: the `WWW-Authenticate` challenge, `Retry-After`, `DPoP-Nonce`,
   * `Cache-Control`, `Access-Control-Expose-Headers`. Filled in by the guard that rejected the
   * request, from its configuration (realm, DPoP algorithms, resource metadata).
   */
  headers: Readonly<Record<string, string>> = EMPTY_HEADERS;

  /** @internal Use a subclass. */
  constructor(status: number, code: AuthErrorCode, description: string, reason: string) {
    super(description);
    this.status = status;
    this.statusCode = status;
    this.code = code;
    this.description = description;
    this.reason = reason;
  }

  /**
   * The RFC 6750 `error` attribute for the challenge and body, or `undefined` when the request
   * carried no credentials (RFC 6750 §3.1: then the challenge has no error attribute).
   */
  get error(): string | undefined {
    return this.code === 'missing_token' ? undefined : this.code;
  }

  /** The status, headers and RFC 6750 JSON body an adapter should send. */
  toResponse(): AuthErrorResponse {
    if (this.code === 'missing_token') {
      return { status: this.status, headers: this.headers, body: undefined, json: undefined };
    }
    const json = { error: this.code, error_description: this.description };
    return {
      status: this.status,
      headers: { ...this.headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(json),
      json,
    };
  }
}

/** 400 `invalid_request`: malformed or ambiguous credentials (RFC 6750 §3.1). */
export class InvalidRequestError extends AuthError {
  override readonly name = 'InvalidRequestError';
  constructor(reason: string, description = 'The request is malformed') {
    super(400, 'invalid_request', description, reason);
  }
}

/**
 * 401 without an `error` attribute: the request carried no credentials tokenguard accepts
 * (RFC 6750 §3.1).
 */
export class MissingTokenError extends AuthError {
  override readonly name = 'MissingTokenError';
  constructor(reason = 'request.no_credentials') {
    super(401, 'missing_token', 'Authentication is required', reason);
  }
}

/** 401 `invalid_token`: the token is expired, revoked, malformed or otherwise not acceptable. */
export class InvalidTokenError extends AuthError {
  override readonly name = 'InvalidTokenError';
  constructor(reason: string, description = 'The access token is invalid') {
    super(401, 'invalid_token', description, reason);
  }
}

/** 403 `insufficient_scope`: the token lacks a scope (or claim) the resource requires. */
export class InsufficientScopeError extends AuthError {
  override readonly name = 'InsufficientScopeError';
  /** The scopes the resource requires; sent as the challenge's `scope` attribute. */
  readonly scopes: readonly string[];
  constructor(
    reason: string,
    scopes: readonly string[] = [],
    description = 'The access token lacks the required scope',
  ) {
    super(403, 'insufficient_scope', description, reason);
    this.scopes = scopes;
  }
}

/**
 * 401 `insufficient_user_authentication`: the user must authenticate again, more strongly or
 * more recently (RFC 9470).
 */
export class InsufficientUserAuthenticationError extends AuthError {
  override readonly name = 'InsufficientUserAuthenticationError';
  readonly acrValues: readonly string[] | undefined;
  readonly maxAge: number | undefined;
  constructor(reason: string, acrValues?: readonly string[], maxAge?: number) {
    super(
      401,
      'insufficient_user_authentication',
      'A different authentication level is required',
      reason,
    );
    this.acrValues = acrValues;
    this.maxAge = maxAge;
  }
}

/**
 * 401 `invalid_dpop_proof`: the DPoP proof is malformed, does not verify or does not match the
 * request (RFC 9449 §4.3, §7.1). A request with the DPoP scheme and no `DPoP` header at all is an
 * {@link InvalidRequestError} instead: a missing parameter (RFC 6750 §3.1).
 */
export class InvalidDpopProofError extends AuthError {
  override readonly name = 'InvalidDpopProofError';
  constructor(reason: string, description = 'The DPoP proof is invalid') {
    super(401, 'invalid_dpop_proof', description, reason);
  }
}

/** 401 `use_dpop_nonce`: retry with the server-provided nonce (RFC 9449 §9). */
export class UseDpopNonceError extends AuthError {
  override readonly name = 'UseDpopNonceError';
  constructor(reason = 'dpop.nonce_required') {
    super(401, 'use_dpop_nonce', 'Resource server requires nonce in DPoP proof', reason);
  }
}

/**
 * 503: a dependency (JWKS, discovery, introspection, store) is unreachable or misbehaving.
 * tokenguard fails closed: it never accepts a token it could not check. The response carries
 * `Retry-After` and `Cache-Control: no-store`.
 */
export class ServiceUnavailableError extends AuthError {
  override readonly name = 'ServiceUnavailableError';
  /** Seconds after which the client may retry; sent as `Retry-After`. */
  readonly retryAfter: number;
  /**
   * @param cause The upstream failure behind it, when there is one (an `UpstreamError` naming
   *   the URL, the cause code and the HTTP status): also `error.cause`. Never sent to the client.
   */
  constructor(reason: string, retryAfter = 5, cause?: Error) {
    super(
      503,
      'temporarily_unavailable',
      'The authorization service is temporarily unavailable',
      reason,
    );
    this.retryAfter = retryAfter;
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * Sets the facts of a rejection on the error thrown (internal: every throw site that compares
 * something says what it compared). Returns the error, to be thrown.
 */
export function withDetails<E extends AuthError>(error: E, details: RejectionDetails): E {
  (error as { details: RejectionDetails | undefined }).details = Object.freeze(details);
  return error;
}

/** Whether `value` is an {@link AuthError} (also across duplicate copies of this package). */
export function isAuthError(value: unknown): value is AuthError {
  if (value instanceof AuthError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { code?: unknown; status?: unknown; headers?: unknown; reason?: unknown };
  return (
    typeof v.code === 'string' &&
    typeof v.status === 'number' &&
    typeof v.reason === 'string' &&
    typeof v.headers === 'object' &&
    typeof (value as { toResponse?: unknown }).toResponse === 'function'
  );
}
