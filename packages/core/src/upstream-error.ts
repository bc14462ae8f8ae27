import type { RejectionDetails } from './errors.js';

/** Why an upstream call failed. */
export type UpstreamFailure =
  | 'timeout'
  | 'network'
  | 'too_large'
  | 'status'
  | 'redirect'
  | 'content_type'
  | 'invalid_json'
  | 'insecure_url';

/** Which of an issuer's endpoints a call was for. */
export type UpstreamEndpoint = 'discovery' | 'jwks' | 'introspection';

const ENDPOINT_NAMES: Record<UpstreamEndpoint, string> = {
  discovery: 'the discovery metadata',
  jwks: 'the JWKS',
  introspection: 'the introspection endpoint',
};

const FAILURES: Record<UpstreamFailure, string> = {
  timeout: 'timed out',
  network: 'network error',
  too_large: 'response too large',
  status: 'unexpected status',
  redirect: 'redirect (tokenguard follows none)',
  content_type: 'wrong content type',
  invalid_json: 'not a valid document',
  insecure_url: 'not an https URL',
};

/**
 * A URL as it may be logged: without user name, password, query and fragment (they may hold
 * credentials), or `undefined` when it does not parse.
 */
export function loggableUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return undefined;
  }
}

/**
 * An upstream call (discovery, JWKS, introspection) that failed: what `guard.warmUp()` rejects
 * with, and the `cause` of the 503 `ServiceUnavailableError` a request gets meanwhile. It names
 * the URL (without credentials or query), the cause — the system error code of a network failure
 * (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `EAI_AGAIN`, `ETIMEDOUT` for the deadline) or the
 * HTTP status — and which issuer's endpoint it was. Never a token or a secret.
 *
 * @example
 * ```ts
 * try {
 *   await guard.warmUp();
 * } catch (error) {
 *   if (error instanceof UpstreamError) console.error(error.url, error.code ?? error.status);
 *   throw error; // UpstreamError: tokenguard: cannot fetch the JWKS of issuer https://auth.example.com/ from https://auth.example.com/jwks: ECONNREFUSED
 * }
 * ```
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  /** The kind of failure: `network`, `timeout`, `status`, `redirect`, `too_large`, … */
  readonly failure: UpstreamFailure;
  /** The HTTP status of a `status` or `redirect` failure. */
  readonly status: number | undefined;
  /** The system error code of a network failure (`ECONNREFUSED`, `ENOTFOUND`, …), `ETIMEDOUT` for the deadline. */
  readonly code: string | undefined;
  /** The URL called, without credentials, query or fragment. */
  url: string | undefined;
  /** Which endpoint it was. */
  endpoint: UpstreamEndpoint | undefined;
  /** The issuer whose endpoint it was. */
  issuer: string | undefined;
  /** For a document that contradicts the configuration (a metadata `issuer` that is not ours): the facts. */
  readonly details: RejectionDetails | undefined;

  constructor(
    failure: UpstreamFailure,
    status?: number,
    options: { code?: string; url?: string; details?: RejectionDetails; cause?: unknown } = {},
  ) {
    super(`upstream ${failure}${status === undefined ? '' : ` ${status}`}`, {
      cause: options.cause,
    });
    this.failure = failure;
    this.status = status;
    this.code = options.code ?? (failure === 'timeout' ? 'ETIMEDOUT' : undefined);
    this.url = loggableUrl(options.url);
    this.details = options.details;
    this.endpoint = undefined;
    this.issuer = undefined;
    this.message = this.describe();
  }

  /** The cause in a few words: the system error code, `HTTP <status>`, or the kind of failure. */
  get summary(): string {
    if (this.failure === 'status') return `HTTP ${this.status}`;
    if (this.failure === 'redirect') return `${FAILURES.redirect}, HTTP ${this.status}`;
    if (this.failure === 'timeout') return `${FAILURES.timeout} (ETIMEDOUT)`;
    const details = this.details;
    if (details !== undefined) {
      const actual =
        details.actual === null || details.actual === undefined
          ? 'absent'
          : JSON.stringify(details.actual);
      return details.expected === undefined
        ? `its ${details.field} is ${actual} (${FAILURES[this.failure]})`
        : `its ${details.field} is ${actual}, not ${JSON.stringify(details.expected)}`;
    }
    return this.code ?? FAILURES[this.failure];
  }

  /** Sets the URL called, when it is not known yet (internal). */
  locate(url: string): this {
    this.url ??= loggableUrl(url);
    this.message = this.describe();
    return this;
  }

  /**
   * Says whose endpoint failed (internal: the sources call it as the error passes them). The
   * first caller to know wins: a discovery failure stays one when the key source rethrows it.
   */
  annotate(endpoint: UpstreamEndpoint, issuer: string, url?: string): this {
    this.endpoint ??= endpoint;
    this.issuer ??= issuer;
    this.url ??= loggableUrl(url);
    this.message = this.describe();
    return this;
  }

  describe(): string {
    const what = this.endpoint === undefined ? 'an upstream call' : ENDPOINT_NAMES[this.endpoint];
    const whose = this.issuer === undefined ? '' : ` of issuer ${this.issuer}`;
    const where = this.url === undefined ? '' : ` (${this.url})`;
    return `tokenguard: ${what}${whose} failed${where}: ${this.summary}`;
  }
}

/** The system error code of a failed connection (undici's or a `fetch`'s), when it has one. */
export function systemCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    e = e.cause;
  }
  return undefined;
}
