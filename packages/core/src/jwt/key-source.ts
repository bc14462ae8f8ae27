import { jwksChannel } from '../diagnostics.js';
import type { MetadataSource } from '../discovery/metadata-source.js';
import { InvalidTokenError, ServiceUnavailableError, withDetails } from '../errors.js';
import type { JwsAlgorithm } from '../jws/algorithms.js';
import { importJwk, type KeyHandle, type KeyUse, keyFits } from '../jws/jwk.js';
import { excerpt, listed } from '../lib/excerpt.js';
import { type HttpClient, UpstreamError } from '../lib/http-client.js';
import type { UpstreamMonitor } from '../logger.js';

/** Timing and size limits of a key source, in milliseconds and bytes. */
export interface KeySourceLimits {
  /** How long a fetched key set is fresh. */
  maxAge: number;
  /** After `maxAge`, how long the last good set may still be served while refreshing fails. */
  staleMaxAge: number;
  /** An unknown `kid` triggers at most one refetch per cooldown. */
  cooldown: number;
  /** After a failed fetch, requests within this window answer 503 without fetching again. */
  failureBackoff: number;
  timeout: number;
  maxResponseSize: number;
  /** Keys beyond this count in one set are ignored. */
  maxKeys: number;
}

/**
 * One issuer's JWKS: fetched through discovery or a configured `jwks_uri`, imported once per key,
 * cached, refreshed, and shared by every request. Requests in the hot path get their key
 * synchronously from memory; only a cold cache, an expired set or an unknown `kid` (at most once
 * per cooldown) touches the network, and concurrent requests share that one fetch.
 */
export class KeySource {
  readonly issuer: string;
  readonly #jwksUri: string | undefined;
  readonly #metadata: MetadataSource;
  readonly #http: HttpClient;
  readonly #limits: KeySourceLimits;
  readonly #clock: () => number;
  readonly #monitor: UpstreamMonitor | undefined;
  readonly #keyUse: KeyUse;

  #byKid = new Map<string, KeyHandle[]>();
  #all: KeyHandle[] = [];
  #loaded = false;
  #loadedAt = 0;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #failedAt: number | undefined;
  #inflight: Promise<void> | undefined;
  #uri: string | undefined;
  /** The last failure, the cause of the 503s answered until the next fetch succeeds. */
  #lastError: UpstreamError | undefined;

  constructor(options: {
    issuer: string;
    jwksUri: string | undefined;
    metadata: MetadataSource;
    http: HttpClient;
    limits: KeySourceLimits;
    clock: () => number;
    monitor?: UpstreamMonitor | undefined;
    /** `jwt-svid` for a SPIFFE bundle endpoint. Default `sig`. */
    keyUse?: KeyUse;
  }) {
    this.issuer = options.issuer;
    this.#jwksUri = options.jwksUri;
    this.#uri = options.jwksUri;
    this.#metadata = options.metadata;
    this.#http = options.http;
    this.#limits = options.limits;
    this.#clock = options.clock;
    this.#monitor = options.monitor;
    this.#keyUse = options.keyUse ?? 'sig';
  }

  /** The key ids of the current set, and how many keys it has (for the token doctor). */
  get loaded(): { kids: readonly string[]; keys: number } {
    return { kids: [...this.#byKid.keys()], keys: this.#all.length };
  }

  /** The JWKS URL, once known (configured, or from discovery). */
  get uri(): string | undefined {
    return this.#uri;
  }

  /**
   * The keys that may verify a token with this `kid` and `alg`: synchronously from memory when
   * possible, else after one (shared) fetch. Throws `InvalidTokenError` for an unknown or
   * unusable key and `ServiceUnavailableError` when the key set cannot be had.
   */
  resolve(
    kid: string | undefined,
    alg: JwsAlgorithm,
  ): readonly KeyHandle[] | Promise<readonly KeyHandle[]> {
    const now = this.#clock();
    if (this.#loaded) {
      const age = now - this.#loadedAt;
      if (age <= this.#limits.maxAge + this.#limits.staleMaxAge) {
        if (age > this.#limits.maxAge) this.#refreshInBackground(now);
        const found = this.#find(kid, alg);
        if (found !== undefined) return found;
        return this.#onUnknownKid(kid, alg, now);
      }
    }
    return this.#loadThen(kid, alg, now);
  }

  /** Fetches the key set now (e.g. at startup). Rejects when it cannot be fetched. */
  async warmUp(): Promise<void> {
    await this.#refresh();
  }

  /** `undefined`: no key with this kid is known; an array: the usable keys (may be empty). */
  #find(kid: string | undefined, alg: JwsAlgorithm): readonly KeyHandle[] | undefined {
    const candidates = kid === undefined ? this.#all : this.#byKid.get(kid);
    if (candidates === undefined || candidates.length === 0) return undefined;
    let fits: KeyHandle[] | undefined;
    let weak = false;
    for (const handle of candidates) {
      if (!keyFits(handle, alg)) continue;
      if (handle.unusable !== undefined) {
        weak = true;
        continue;
      }
      if (fits === undefined) fits = [handle];
      else fits.push(handle);
    }
    if (fits !== undefined) return fits;
    if (weak) throw new InvalidTokenError('jwks.weak_key');
    // A known kid that cannot verify this algorithm: a confused or forged token, not a rotation.
    if (kid !== undefined) {
      throw withDetails(new InvalidTokenError('jwt.key_mismatch'), { field: 'alg', actual: alg });
    }
    return undefined;
  }

  #unknownKid(kid: string | undefined): InvalidTokenError {
    return withDetails(new InvalidTokenError('jwks.kid_unknown'), {
      field: 'kid',
      expected: listed(this.#byKid.keys()),
      actual: excerpt(kid),
    });
  }

  /** An unknown kid refetches only once per cooldown: a flood of made-up kids costs one fetch. */
  #onUnknownKid(
    kid: string | undefined,
    alg: JwsAlgorithm,
    now: number,
  ): Promise<readonly KeyHandle[]> {
    if (this.#inflight === undefined && now - this.#lastAttemptAt < this.#limits.cooldown) {
      throw this.#unknownKid(kid);
    }
    return this.#loadThen(kid, alg, now);
  }

  /** Fetches (or joins the fetch in flight), unless a recent failure says to answer 503 now. */
  async #loadThen(
    kid: string | undefined,
    alg: JwsAlgorithm,
    now: number,
  ): Promise<readonly KeyHandle[]> {
    if (
      this.#inflight === undefined &&
      this.#failedAt !== undefined &&
      now - this.#failedAt < this.#limits.failureBackoff
    ) {
      throw this.#unavailable('jwks.backoff');
    }
    try {
      await this.#refresh();
    } catch {
      throw this.#unavailable('jwks.unavailable');
    }
    const found = this.#find(kid, alg);
    if (found === undefined) throw this.#unknownKid(kid);
    return found;
  }

  #unavailable(reason: string): ServiceUnavailableError {
    const remaining =
      this.#failedAt === undefined
        ? this.#limits.failureBackoff
        : this.#limits.failureBackoff - (this.#clock() - this.#failedAt);
    return new ServiceUnavailableError(
      reason,
      Math.max(1, Math.ceil(remaining / 1000)),
      this.#lastError,
    );
  }

  #refreshInBackground(now: number): void {
    if (this.#inflight !== undefined) return;
    if (this.#failedAt !== undefined && now - this.#failedAt < this.#limits.failureBackoff) return;
    this.#refresh().catch(() => {
      // Reported on diagnostics by #fetch; the last good set keeps serving until staleMaxAge.
    });
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    this.#lastAttemptAt = this.#clock();
    const wasLoaded = this.#loaded;
    // The JWKS request's own time (discovery reports its own), for diagnostics.
    let sentAt: number | undefined;
    try {
      const uri = this.#jwksUri ?? (await this.#metadata.jwksUri());
      this.#uri = uri;
      sentAt = performance.now();
      const doc = await this.#http.getJson(uri, {
        timeout: this.#limits.timeout,
        maxResponseSize: this.#limits.maxResponseSize,
      });
      const durationMs = performance.now() - sentAt;
      this.#install(doc.keys);
      this.#failedAt = undefined;
      this.#lastError = undefined;
      this.#publish({ event: wasLoaded ? 'refresh' : 'fetch', keys: this.#all.length, durationMs });
      this.#monitor?.succeeded('jwks', this.issuer, uri);
    } catch (error) {
      const failedAt = this.#clock();
      this.#failedAt = failedAt;
      const detail = error instanceof UpstreamError ? error.failure : 'invalid_jwks';
      this.#publish(
        sentAt === undefined
          ? { event: 'failure', detail }
          : { event: 'failure', detail, durationMs: performance.now() - sentAt },
      );
      if (this.#loaded) this.#publish({ event: 'stale', keys: this.#all.length });
      // Named: the URL, the cause and whose keys, for warmUp(), the 503's cause and the logger.
      const failure = (
        error instanceof UpstreamError
          ? error
          : new UpstreamError('invalid_json', undefined, { url: this.#uri, cause: error })
      ).annotate('jwks', this.issuer, this.#uri);
      this.#lastError = failure;
      const stale =
        this.#loaded && failedAt - this.#loadedAt <= this.#limits.maxAge + this.#limits.staleMaxAge;
      this.#monitor?.failed(failure, stale);
      throw failure;
    }
  }

  #install(keys: unknown): void {
    if (!Array.isArray(keys)) throw new UpstreamError('invalid_json');
    const previous = new Map<string, KeyHandle>();
    for (const handle of this.#all) previous.set(handle.identity, handle);

    const byKid = new Map<string, KeyHandle[]>();
    const all: KeyHandle[] = [];
    for (const jwk of keys.slice(0, this.#limits.maxKeys)) {
      const imported = importJwk(jwk, this.#keyUse);
      if (typeof imported === 'string') {
        this.#publish({ event: 'skipped_key', detail: imported });
        continue;
      }
      // A key published again keeps its imported KeyObject (and the tokens it verified).
      const handle = previous.get(imported.identity) ?? imported;
      previous.delete(imported.identity);
      all.push(handle);
      if (handle.kid !== undefined) {
        const list = byKid.get(handle.kid);
        if (list) list.push(handle);
        else byKid.set(handle.kid, [handle]);
      }
    }
    if (all.every((handle) => handle.unusable !== undefined)) {
      // A set without a single usable signing key is an outage, not a rotation.
      throw new UpstreamError('invalid_json');
    }
    for (const removed of previous.values()) removed.active = false;
    this.#byKid = byKid;
    this.#all = all;
    this.#loaded = true;
    this.#loadedAt = this.#clock();
  }

  #publish(event: {
    event: 'fetch' | 'refresh' | 'stale' | 'failure' | 'skipped_key';
    keys?: number;
    detail?: string;
    durationMs?: number;
  }): void {
    if (!jwksChannel.hasSubscribers) return;
    jwksChannel.publish({ issuer: this.issuer, uri: this.#uri, ...event });
  }
}
