import { introspectionChannel, tokenHash } from '../diagnostics.js';
import { InvalidTokenError, ServiceUnavailableError, withDetails } from '../errors.js';
import type { JwtConfig, ResolvedIssuer } from '../jwt/options.js';
import type { VerifiedToken } from '../jwt/verified-token.js';
import { type HttpClient, UpstreamError, type UpstreamResponse } from '../lib/http-client.js';
import { sha256 } from '../lib/sha256.js';
import type { UpstreamMonitor } from '../logger.js';
import type { Store } from '../store.js';
import { AnswerCache, active, inactive, type Outcome } from './answer-cache.js';
import { CallLimiter } from './call-limiter.js';
import { requestBody } from './client-auth.js';
import type { ResolvedIntrospection } from './options.js';
import { JWT_RESPONSE_TYPE, readJsonResponse, readJwtResponse, statusVerdict } from './response.js';
import { verifyAnswer } from './verify-answer.js';

/** What an introspector needs of its guard besides its own settings. */
export interface IntrospectorContext
  extends Pick<
    JwtConfig,
    'clock' | 'clockTolerance' | 'maxTokenAge' | 'validityRules' | 'claimMapping' | 'clientBinding'
  > {
  /** The issuer whose tokens the endpoint answers for. */
  readonly issuer: ResolvedIssuer;
  readonly http: HttpClient;
  /** The guard's `resource`: part of the cache namespace. */
  readonly resource: string | undefined;
  readonly store: Store;
  readonly monitor?: UpstreamMonitor | undefined; // with a logger: down, recovered
}

/**
 * RFC 7662 token introspection with a cache and a single flight per token: concurrent requests
 * with the same uncached token share one call; answers are cached in the {@link Store} by the
 * token's SHA-256 (never the token) under this guard's namespace, active ones never past the
 * token's `exp` nor `cacheTtl`, inactive ones only `negativeCacheTtl`. At most
 * `maxConcurrentCalls` calls are in flight, with a short bounded queue behind them, so a flood of
 * made-up tokens cannot become a flood on the authorization server. The endpoint being down,
 * slow, answering an error or something that is not a JSON introspection response is a 503:
 * tokenguard never accepts a token it could not check.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662
 * @see https://www.rfc-editor.org/rfc/rfc9701
 */
export class Introspector {
  readonly #settings: ResolvedIntrospection;
  readonly #config: IntrospectorContext;
  readonly #cache: AnswerCache;
  readonly #inflight = new Map<string, Promise<Outcome>>();
  readonly #limiter: CallLimiter;
  #failedAt: number | undefined;
  #lastError: Error | undefined; // the cause of the 503s answered during the backoff

  constructor(settings: ResolvedIntrospection, context: IntrospectorContext) {
    this.#settings = settings;
    this.#config = context;
    this.#cache = new AnswerCache(settings, context);
    this.#limiter = new CallLimiter(settings);
  }

  get mode(): 'opaque' | 'always' {
    return this.#settings.mode;
  }

  /**
   * Introspects a token and checks the answer like a JWT's claims (`iss`, `aud` — required unless
   * `requireAudience: false` —, `exp`, `nbf`, `token_type`; a `DPoP` token type without
   * `cnf.jkt` is refused). With `fresh`, a cached answer is not used (a live answer for high-risk
   * routes); the new answer still refreshes the cache.
   */
  async introspect(token: string, fresh: boolean): Promise<VerifiedToken> {
    const hash = sha256(token);
    const key = this.#cache.key(hash);
    let outcome: Outcome | undefined;
    if (!fresh) {
      outcome = await this.#cache.get(key);
      if (outcome !== undefined) {
        if (introspectionChannel.hasSubscribers)
          introspectionChannel.publish({
            event: 'cache_hit',
            tokenId: `sha256:${hash.slice(0, 12)}`,
          });
      }
    }
    if (outcome === undefined) {
      let flight = this.#inflight.get(hash);
      if (flight === undefined) {
        flight = this.#call(token, key).finally(() => this.#inflight.delete(hash));
        this.#inflight.set(hash, flight);
      } else {
        if (introspectionChannel.hasSubscribers)
          introspectionChannel.publish({ event: 'shared', tokenId: tokenHash(token) });
      }
      outcome = await flight;
    }
    switch (outcome.kind) {
      case 'inactive':
        throw outcome.reason === 'introspection.inactive'
          ? withDetails(new InvalidTokenError(outcome.reason), { field: 'active', actual: false })
          : new InvalidTokenError(outcome.reason);
      case 'unavailable':
        throw this.#unavailable(outcome);
      case 'active':
        // exp, nbf and iat are checked here too, against this guard's clock.
        return verifyAnswer(
          outcome.claims,
          this.#config.clock() / 1000,
          this.#config,
          this.#settings.requireAudience,
          outcome.until,
        );
    }
  }

  #unavailable(outcome: Outcome & { kind: 'unavailable' }): ServiceUnavailableError {
    const { reason, retryAfter } = outcome;
    // The failure behind it; during the backoff, the one that started it.
    const cause =
      outcome.cause ?? (reason === 'introspection.backoff' ? this.#lastError : undefined);
    if (retryAfter !== undefined) return new ServiceUnavailableError(reason, retryAfter, cause);
    const backoff = this.#settings.failureBackoff;
    const remaining =
      this.#failedAt === undefined ? backoff : backoff - (this.#config.clock() - this.#failedAt);
    return new ServiceUnavailableError(reason, Math.max(1, Math.ceil(remaining / 1000)), cause);
  }

  /** Names the failure (URL, cause, issuer) and reports it to the monitor. */
  #failure(error: UpstreamError, endpoint: string | undefined): UpstreamError {
    const failure = error.annotate('introspection', this.#config.issuer.issuer, endpoint);
    this.#lastError = failure;
    this.#config.monitor?.failed(failure);
    return failure;
  }

  async #call(token: string, key: string): Promise<Outcome> {
    if (this.#inBackoff()) return { kind: 'unavailable', reason: 'introspection.backoff' };
    const slot = this.#limiter.acquire();
    const refused = slot === undefined ? undefined : await slot;
    if (refused !== undefined) {
      // Our own limit, not the server's state: no backoff, and a short Retry-After.
      if (introspectionChannel.hasSubscribers)
        introspectionChannel.publish({
          event: 'saturated',
          tokenId: tokenHash(token),
          detail: refused,
        });
      return { kind: 'unavailable', reason: `introspection.${refused}`, retryAfter: 1 };
    }
    try {
      if (this.#inBackoff()) return { kind: 'unavailable', reason: 'introspection.backoff' };
      return await this.#send(token, key);
    } finally {
      this.#limiter.release();
    }
  }

  #inBackoff(): boolean {
    const failedAt = this.#failedAt;
    return (
      failedAt !== undefined && this.#config.clock() - failedAt < this.#settings.failureBackoff
    );
  }

  /**
   * Publishes the end of a call on `tokenguard:introspection`, with how long it took; the token's
   * hash is only computed when someone listens.
   */
  #ended(
    token: string,
    sentAt: number,
    end: { event: 'call'; active: boolean } | { event: 'failure'; detail: string },
  ): void {
    if (!introspectionChannel.hasSubscribers) return;
    introspectionChannel.publish({
      ...end,
      tokenId: tokenHash(token),
      durationMs: performance.now() - sentAt,
    });
  }

  async #post(endpoint: string, token: string, now: number): Promise<UpstreamResponse> {
    const settings = this.#settings;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: settings.jwtResponse ? JWT_RESPONSE_TYPE : 'application/json',
    };
    const form = requestBody(settings.auth, token, headers, endpoint, now / 1000);
    return this.#config.http.send(endpoint, {
      method: 'POST',
      headers,
      body: typeof form === 'string' ? form : await form,
      timeout: settings.timeout,
      maxResponseSize: settings.maxResponseSize,
    });
  }

  async #send(token: string, key: string): Promise<Outcome> {
    const settings = this.#settings;
    const now = this.#config.clock();
    const sentAt = performance.now();
    let outcome: Outcome;
    let endpoint = settings.endpoint;
    try {
      const metadata = this.#config.issuer.metadata;
      endpoint ??= metadata.introspectionEndpointNow() ?? (await metadata.introspectionEndpoint());
      let res: UpstreamResponse;
      try {
        res = await this.#post(endpoint, token, now);
      } catch (error) {
        // A kept-alive connection the server closed as the request went out (an idle timeout it
        // did not announce, a restart) fails before anything was answered. Introspection changes
        // nothing at the server, so it is asked once more, on a fresh connection (with a fresh
        // client assertion, for private_key_jwt); anything else is an outage.
        if (!isClosedConnection(error)) throw error;
        res = await this.#post(endpoint, token, now);
      }
      if (res.status !== 200) {
        const verdict = statusVerdict(res.status);
        // Only signs that the server is down or overloaded start the backoff below.
        if (verdict === 'outage') throw new UpstreamError('status', res.status, { url: endpoint });
        if (verdict === 'refused') {
          // The endpoint refused this one request — 400 for a token type it does not take
          // (oidc-provider's unsupported_token_type), 413 for a made-up token too large for it:
          // reject this token, and do not let it start the failure backoff that would turn
          // every other client's request into a 503.
          this.#ended(token, sentAt, { event: 'call', active: false });
          return { kind: 'inactive', reason: 'introspection.refused' };
        }
        // The server refuses our client (wrong credentials) or our request (wrong endpoint):
        // no token can be checked, but no client's token caused it either.
        const reason = `introspection.${verdict}`;
        this.#ended(token, sentAt, { event: 'failure', detail: reason });
        const cause = this.#failure(
          new UpstreamError('status', res.status, { url: endpoint }),
          endpoint,
        );
        return { kind: 'unavailable', reason, cause };
      }
      // A JSON answer's text is what the cache keeps; a signed answer's claims are serialised.
      const { claims, text } = settings.jwtResponse
        ? {
            claims: await readJwtResponse(
              res.contentType,
              res.body,
              this.#config.issuer,
              settings.auth.clientId,
            ),
            text: undefined,
          }
        : readJsonResponse(res.contentType, res.body);
      outcome =
        claims.active === true
          ? active(claims, this.#config.clock(), this.#settings.cacheTtl, text)
          : inactive(claims);
      this.#failedAt = undefined;
      this.#lastError = undefined;
      this.#config.monitor?.succeeded('introspection', this.#config.issuer.issuer, endpoint);
    } catch (error) {
      const upstream =
        error instanceof UpstreamError
          ? error
          : new UpstreamError('invalid_json', undefined, { url: endpoint, cause: error });
      const cause = this.#failure(upstream, endpoint);
      if (error instanceof InvalidTokenError) {
        // A signed (RFC 9701) answer that does not verify: the endpoint is not trustworthy now.
        outcome = { kind: 'unavailable', reason: `introspection.${error.reason}`, cause };
      } else {
        const detail = error instanceof UpstreamError ? error.failure : 'error';
        outcome = { kind: 'unavailable', reason: `introspection.${detail}`, cause };
      }
      this.#failedAt = this.#config.clock();
      const detail = outcome.reason;
      this.#ended(token, sentAt, { event: 'failure', detail });
      return outcome;
    }
    this.#ended(token, sentAt, { event: 'call', active: outcome.kind === 'active' });
    await this.#cache.save(key, outcome);
    return outcome;
  }
}

/** The codes of a connection the other side closed or reset: not refused, not timed out. */
const CLOSED_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

function isClosedConnection(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.failure === 'network' &&
    error.code !== undefined &&
    CLOSED_CONNECTION.has(error.code)
  );
}
