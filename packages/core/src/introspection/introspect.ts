import { createHash } from 'node:crypto';
import { introspectionChannel, storeChannel, tokenHash } from '../diagnostics.js';
import { InvalidTokenError, ServiceUnavailableError } from '../errors.js';
import { isJwsAlgorithm } from '../jwt/algorithms.js';
import {
  buildVerifiedToken,
  isJwsShaped,
  parseJws,
  type VerifiedToken,
  verifyJwsSignature,
} from '../jwt/verify-access-token.js';
import { UpstreamError } from '../lib/http-client.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';
import type { GuardConfig, ResolvedIssuer } from '../options.js';
import type { Store } from '../store.js';
import { authenticateClient, type ClientAuth } from './client-auth.js';

/** Introspection settings after validation. Durations in milliseconds. Internal. */
export interface ResolvedIntrospection {
  endpoint: string | undefined;
  /** The issuer whose tokens this endpoint answers for (and whose metadata names it). */
  issuer: ResolvedIssuer;
  auth: ClientAuth;
  mode: 'opaque' | 'always';
  cacheTtl: number;
  negativeCacheTtl: number;
  timeout: number;
  maxResponseSize: number;
  failureBackoff: number;
  jwtResponse: boolean;
  requireAudience: boolean;
  /** Calls to the endpoint in flight at once, at most. */
  maxConcurrentCalls: number;
  /** Calls waiting for a free slot, at most; more are answered 503 at once. */
  maxQueuedCalls: number;
  /** How long a call waits for a free slot before it is answered 503. */
  queueTimeout: number;
}

/** The outcome of one introspection call, shared by every request waiting for it. */
type Outcome =
  | { kind: 'active'; claims: JsonObject; until: number }
  | { kind: 'inactive'; reason: string }
  | { kind: 'unavailable'; reason: string; retryAfter?: number };

/** A call waiting for a free slot. */
interface Waiter {
  resolve(acquired: boolean): void;
  timer: NodeJS.Timeout | undefined;
}

const TOKEN_TYPES = new Set(['bearer', 'dpop']);
const JWT_RESPONSE_TYPE = 'application/token-introspection+jwt';

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
  readonly #config: GuardConfig;
  readonly #store: Store;
  readonly #inflight = new Map<string, Promise<Outcome>>();
  /** `introspection:<guard namespace>:`, the prefix of every cache key this guard writes. */
  readonly #keyPrefix: string;
  #failedAt: number | undefined;
  #calls = 0;
  readonly #queue: Waiter[] = [];

  constructor(settings: ResolvedIntrospection, config: GuardConfig, store: Store) {
    this.#settings = settings;
    this.#config = config;
    this.#store = store;
    this.#keyPrefix = `introspection:${cacheNamespace(settings, config)}:`;
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
    const hash = createHash('sha256').update(token).digest('base64url');
    const key = this.#keyPrefix + hash;
    let outcome: Outcome | undefined;
    if (!fresh) {
      outcome = await this.#fromStore(key);
      if (outcome !== undefined) {
        this.#publish(() => ({ event: 'cache_hit', tokenId: `sha256:${hash.slice(0, 12)}` }));
      }
    }
    if (outcome === undefined) {
      let flight = this.#inflight.get(hash);
      if (flight === undefined) {
        flight = this.#call(token, key).finally(() => this.#inflight.delete(hash));
        this.#inflight.set(hash, flight);
      } else {
        this.#publish(() => ({ event: 'shared', tokenId: tokenHash(token) }));
      }
      outcome = await flight;
    }
    switch (outcome.kind) {
      case 'inactive':
        throw new InvalidTokenError(outcome.reason);
      case 'unavailable':
        throw this.#unavailable(outcome.reason, outcome.retryAfter);
      case 'active':
        // exp, nbf and iat are checked here too, against this guard's clock.
        return {
          ...this.#verify(outcome.claims, this.#config.clock() / 1000),
          cacheUntil: outcome.until,
        };
    }
  }

  #unavailable(reason: string, retryAfter?: number): ServiceUnavailableError {
    if (retryAfter !== undefined) return new ServiceUnavailableError(reason, retryAfter);
    const backoff = this.#settings.failureBackoff;
    const remaining =
      this.#failedAt === undefined ? backoff : backoff - (this.#config.clock() - this.#failedAt);
    return new ServiceUnavailableError(reason, Math.max(1, Math.ceil(remaining / 1000)));
  }

  /** Applies the same checks as to a JWT's claims. Throws `InvalidTokenError`. */
  #verify(claims: JsonObject, nowSeconds: number): VerifiedToken {
    const issuer = this.#settings.issuer;
    const iss = own(claims, 'iss');
    if (iss !== undefined && iss !== issuer.issuer)
      throw new InvalidTokenError('introspection.iss');
    const tokenType = own(claims, 'token_type');
    if (
      tokenType !== undefined &&
      (typeof tokenType !== 'string' || !TOKEN_TYPES.has(tokenType.toLowerCase()))
    ) {
      throw new InvalidTokenError('introspection.token_type');
    }
    const verified = buildVerifiedToken(
      'opaque',
      claims,
      issuer,
      undefined,
      this.#config,
      nowSeconds,
      { requireExp: false, requireAudience: this.#settings.requireAudience },
    );
    // A DPoP token (RFC 9449 §6.2) whose key we are not told can be checked against no proof, and
    // must never pass as a bearer token: refuse it whatever the scheme.
    if (
      typeof tokenType === 'string' &&
      tokenType.toLowerCase() === 'dpop' &&
      verified.confirmation?.jkt === undefined
    ) {
      throw new InvalidTokenError('introspection.dpop_without_jkt');
    }
    return verified;
  }

  async #fromStore(key: string): Promise<Outcome | undefined> {
    let value: string | undefined;
    try {
      value = await this.#store.get(key);
    } catch {
      // The cache is an optimisation: without it, ask the authorization server.
      this.#storeFailure('get');
      return undefined;
    }
    if (value === undefined) return undefined;
    try {
      const parsed = JSON.parse(value) as { a?: unknown; c?: unknown; u?: unknown };
      if (parsed.a === 0) return { kind: 'inactive', reason: 'introspection.inactive' };
      if (parsed.a === 1 && isJsonObject(parsed.c) && typeof parsed.u === 'number') {
        // A store may keep an entry a little longer than asked; `u` is the real limit.
        if (parsed.u <= this.#config.clock()) return undefined;
        return { kind: 'active', claims: parsed.c, until: parsed.u };
      }
    } catch {
      // A corrupt entry is ignored.
    }
    return undefined;
  }

  async #call(token: string, key: string): Promise<Outcome> {
    if (this.#inBackoff()) return { kind: 'unavailable', reason: 'introspection.backoff' };
    const slot = this.#acquire();
    const refused = slot === undefined ? undefined : await slot;
    if (refused !== undefined) {
      // Our own limit, not the server's state: no backoff, and a short Retry-After.
      this.#publish(() => ({ event: 'saturated', tokenId: tokenHash(token), detail: refused }));
      return { kind: 'unavailable', reason: `introspection.${refused}`, retryAfter: 1 };
    }
    try {
      if (this.#inBackoff()) return { kind: 'unavailable', reason: 'introspection.backoff' };
      return await this.#send(token, key);
    } finally {
      this.#release();
    }
  }

  #inBackoff(): boolean {
    const failedAt = this.#failedAt;
    return (
      failedAt !== undefined && this.#config.clock() - failedAt < this.#settings.failureBackoff
    );
  }

  /**
   * Takes a call slot: `undefined` at once when one is free, else a promise of a slot handed
   * over by a finishing call (`undefined`) or of the reason there is none: `saturated` (the
   * queue is full), `queue_timeout` (no slot within `queueTimeout`).
   */
  #acquire(): Promise<'saturated' | 'queue_timeout' | undefined> | undefined {
    const settings = this.#settings;
    if (this.#calls < settings.maxConcurrentCalls) {
      this.#calls++;
      return undefined;
    }
    if (this.#queue.length >= settings.maxQueuedCalls) return Promise.resolve('saturated');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve: (acquired) => resolve(acquired ? undefined : 'queue_timeout'),
        timer: undefined,
      };
      waiter.timer = setTimeout(() => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        waiter.resolve(false);
      }, settings.queueTimeout);
      waiter.timer.unref?.();
      this.#queue.push(waiter);
    });
  }

  /** Hands the slot to the longest waiting call, or frees it. */
  #release(): void {
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#calls--;
      return;
    }
    clearTimeout(next.timer);
    next.resolve(true);
  }

  async #send(token: string, key: string): Promise<Outcome> {
    const settings = this.#settings;
    const now = this.#config.clock();
    let outcome: Outcome;
    try {
      const endpoint =
        settings.endpoint ?? (await settings.issuer.metadata.introspectionEndpoint());
      const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: settings.jwtResponse ? JWT_RESPONSE_TYPE : 'application/json',
      };
      await authenticateClient(settings.auth, form, headers, endpoint, now / 1000);
      const res = await this.#config.http.send(endpoint, {
        method: 'POST',
        headers,
        body: form.toString(),
        timeout: settings.timeout,
        maxResponseSize: settings.maxResponseSize,
      });
      if (res.status !== 200) {
        const verdict = statusVerdict(res.status);
        // Only signs that the server is down or overloaded start the backoff below.
        if (verdict === 'outage') throw new UpstreamError('status', res.status);
        if (verdict === 'refused') {
          // The endpoint refused this one request — 400 for a token type it does not take
          // (oidc-provider's unsupported_token_type), 413 for a made-up token too large for it:
          // reject this token, and do not let it start the failure backoff that would turn
          // every other client's request into a 503.
          this.#publish(() => ({ event: 'call', tokenId: tokenHash(token), active: false }));
          return { kind: 'inactive', reason: 'introspection.refused' };
        }
        // The server refuses our client (wrong credentials) or our request (wrong endpoint):
        // no token can be checked, but no client's token caused it either.
        const reason = `introspection.${verdict}`;
        this.#publish(() => ({ event: 'failure', tokenId: tokenHash(token), detail: reason }));
        return { kind: 'unavailable', reason };
      }
      const claims = settings.jwtResponse
        ? await this.#readJwtResponse(res.contentType, res.body)
        : readJsonResponse(res.contentType, res.body);
      outcome = claims.active === true ? this.#active(claims) : inactive(claims);
      this.#failedAt = undefined;
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        // A signed (RFC 9701) answer that does not verify: the endpoint is not trustworthy now.
        outcome = { kind: 'unavailable', reason: `introspection.${error.reason}` };
      } else {
        const detail = error instanceof UpstreamError ? error.failure : 'error';
        outcome = { kind: 'unavailable', reason: `introspection.${detail}` };
      }
      this.#failedAt = this.#config.clock();
      const detail = outcome.reason;
      this.#publish(() => ({
        event: 'failure',
        tokenId: tokenHash(token),
        detail,
      }));
      return outcome;
    }
    this.#publish(() => ({
      event: 'call',
      tokenId: tokenHash(token),
      active: outcome.kind === 'active',
    }));
    await this.#save(key, outcome);
    return outcome;
  }

  #active(claims: JsonObject): Outcome {
    const now = this.#config.clock();
    let until = now + this.#settings.cacheTtl;
    const exp = own(claims, 'exp');
    if (typeof exp === 'number' && Number.isFinite(exp)) until = Math.min(until, exp * 1000);
    return { kind: 'active', claims, until };
  }

  async #save(key: string, outcome: Outcome): Promise<void> {
    let value: string;
    let ttl: number;
    if (outcome.kind === 'active') {
      ttl = outcome.until - this.#config.clock();
      value = JSON.stringify({ a: 1, c: outcome.claims, u: outcome.until });
    } else if (outcome.kind === 'inactive') {
      ttl = this.#settings.negativeCacheTtl;
      value = '{"a":0}';
    } else {
      return;
    }
    if (ttl <= 0) return;
    try {
      await this.#store.set(key, value, Math.ceil(ttl));
    } catch {
      this.#storeFailure('set');
    }
  }

  async #readJwtResponse(contentType: string, body: Buffer): Promise<JsonObject> {
    if (mediaType(contentType) !== JWT_RESPONSE_TYPE) throw new UpstreamError('content_type');
    const text = body.toString('utf8').trim();
    if (!isJwsShaped(text)) throw new UpstreamError('invalid_json');
    const jws = parseJws(text);
    const alg = own(jws.header, 'alg');
    const issuer = this.#settings.issuer;
    if (!isJwsAlgorithm(alg) || !issuer.algorithms.has(alg)) {
      throw new InvalidTokenError('jwt_response.alg');
    }
    const typ = own(jws.header, 'typ');
    if (typeof typ !== 'string' || !/^(application\/)?token-introspection\+jwt$/i.test(typ)) {
      throw new InvalidTokenError('jwt_response.typ');
    }
    const kid = own(jws.header, 'kid');
    await verifyJwsSignature(jws, alg, typeof kid === 'string' ? kid : undefined, issuer);
    if (own(jws.payload, 'iss') !== issuer.issuer) throw new InvalidTokenError('jwt_response.iss');
    const aud = own(jws.payload, 'aud');
    const clientId = this.#settings.auth.clientId;
    if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId)))) {
      throw new InvalidTokenError('jwt_response.aud');
    }
    const inner = own(jws.payload, 'token_introspection');
    if (!isJsonObject(inner)) throw new UpstreamError('invalid_json');
    return inner;
  }

  #storeFailure(operation: 'get' | 'set'): void {
    if (storeChannel.hasSubscribers) {
      storeChannel.publish({ operation, event: 'failure', detail: 'introspection cache skipped' });
    }
  }

  /** Publishes on `tokenguard:introspection`; the event (and the token's hash) is only built
   * when someone listens. */
  #publish(
    event: () => {
      event: 'call' | 'cache_hit' | 'failure' | 'shared' | 'saturated';
      tokenId: string;
      active?: boolean;
      detail?: string;
    },
  ): void {
    if (introspectionChannel.hasSubscribers) introspectionChannel.publish(event());
  }
}

/**
 * What a non-200 introspection status says. `outage`: the server is down, overloaded (429) or
 * replaced by something that is not it (a redirect to a maintenance page, an odd 2xx); this
 * alone starts the failure backoff. `client_refused` (401, 403, 407: our client credentials) and
 * `misconfigured` (404, 405, 406, 415: our endpoint or request): 503, no backoff. `refused`: any
 * other 4xx is about this request, so this token (400, 413, 422, …): 401 for it, no backoff —
 * a made-up token can provoke these, and must not take every other token down with it.
 */
function statusVerdict(status: number): 'outage' | 'refused' | 'client_refused' | 'misconfigured' {
  if (status < 400 || status >= 500 || status === 429) return 'outage';
  if (status === 401 || status === 403 || status === 407) return 'client_refused';
  if (status === 404 || status === 405 || status === 406 || status === 415) return 'misconfigured';
  return 'refused';
}

/**
 * The namespace of this guard's introspection cache entries: a hash of what an answer depends
 * on — the issuer, the endpoint, our client id, and the audiences and resource the guard serves —
 * so two guards sharing a store read each other's answers only when all of it is the same (two
 * instances of one API).
 */
function cacheNamespace(settings: ResolvedIntrospection, config: GuardConfig): string {
  const identity = JSON.stringify([
    settings.issuer.issuer,
    settings.endpoint ?? null,
    settings.auth.clientId,
    [...settings.issuer.audiences].sort(),
    config.resource ?? null,
  ]);
  return createHash('sha256').update(identity).digest('base64url').slice(0, 16);
}

function inactive(claims: JsonObject): Outcome {
  // Only a JSON boolean `true` is active; `false`, a missing or a non-boolean `active` is not.
  return {
    kind: 'inactive',
    reason: claims.active === false ? 'introspection.inactive' : 'introspection.active_malformed',
  };
}

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function readJsonResponse(contentType: string, body: Buffer): JsonObject {
  if (mediaType(contentType) !== 'application/json') throw new UpstreamError('content_type');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UpstreamError('invalid_json');
  }
  if (!isJsonObject(value)) throw new UpstreamError('invalid_json');
  return value;
}
