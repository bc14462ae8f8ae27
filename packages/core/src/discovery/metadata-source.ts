import { jwksChannel } from '../diagnostics.js';
import { type HttpClient, isAllowedUrl, UpstreamError } from '../lib/http-client.js';
import type { UpstreamMonitor } from '../logger.js';
import { discover, type IssuerMetadata } from './discover.js';

/**
 * An issuer's discovery metadata, fetched on first use and kept for `maxAge`. Concurrent callers
 * share one fetch; after a failure, callers within `failureBackoff` fail at once instead of
 * multiplying an outage by the request rate.
 */
export class MetadataSource {
  readonly issuer: string;
  readonly #http: HttpClient;
  readonly #clock: () => number;
  readonly #limits: {
    maxAge: number;
    failureBackoff: number;
    timeout: number;
    maxResponseSize: number;
  };
  readonly #allowInsecure: boolean;
  readonly #monitor: UpstreamMonitor | undefined;
  #metadata: IssuerMetadata | undefined;
  #fetchedAt = 0;
  #failedAt: number | undefined;
  #inflight: Promise<IssuerMetadata> | undefined;
  #lastError: UpstreamError | undefined;
  /** Endpoints of `#metadata` already checked, so that a request does not parse a URL again. */
  #checked: { of: IssuerMetadata; urls: Map<string, string> } | undefined;

  constructor(options: {
    issuer: string;
    http: HttpClient;
    clock: () => number;
    allowInsecureRequests: boolean;
    limits: { maxAge: number; failureBackoff: number; timeout: number; maxResponseSize: number };
    monitor?: UpstreamMonitor | undefined;
  }) {
    this.issuer = options.issuer;
    this.#http = options.http;
    this.#clock = options.clock;
    this.#limits = options.limits;
    this.#allowInsecure = options.allowInsecureRequests;
    this.#monitor = options.monitor;
  }

  async get(): Promise<IssuerMetadata> {
    const now = this.#clock();
    if (this.#metadata !== undefined && now - this.#fetchedAt <= this.#limits.maxAge) {
      return this.#metadata;
    }
    if (this.#inflight) return this.#inflight;
    if (this.#failedAt !== undefined && now - this.#failedAt < this.#limits.failureBackoff) {
      // Serve what we had rather than nothing; metadata rarely changes.
      if (this.#metadata !== undefined) return this.#metadata;
      throw this.#lastError ?? new UpstreamError('network').annotate('discovery', this.issuer);
    }
    this.#inflight = this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** The issuer's `jwks_uri`; a missing or insecure one is a discovery failure. */
  async jwksUri(): Promise<string> {
    return this.#endpoint('jwks_uri');
  }

  /** The issuer's `introspection_endpoint`. */
  async introspectionEndpoint(): Promise<string> {
    return this.#endpoint('introspection_endpoint');
  }

  /**
   * The issuer's `introspection_endpoint` without waiting, when the metadata is fresh and the
   * endpoint was checked before: what a request that must introspect asks first.
   */
  introspectionEndpointNow(): string | undefined {
    const checked = this.#checked;
    if (checked === undefined || checked.of !== this.#metadata) return undefined;
    if (this.#clock() - this.#fetchedAt > this.#limits.maxAge) return undefined;
    return checked.urls.get('introspection_endpoint');
  }

  async #endpoint(member: 'jwks_uri' | 'introspection_endpoint'): Promise<string> {
    const metadata = await this.get();
    const value = metadata[member];
    if (this.#checked?.of === metadata) {
      const known = this.#checked.urls.get(member);
      if (known !== undefined) return known;
    }
    const invalid = (failure: 'invalid_json' | 'insecure_url') =>
      new UpstreamError(failure, undefined, {
        details: { field: member, actual: typeof value === 'string' ? value : null },
      }).annotate('discovery', this.issuer);
    if (typeof value !== 'string') throw invalid('invalid_json');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid('invalid_json');
    }
    if (!isAllowedUrl(url, this.#allowInsecure)) throw invalid('insecure_url');
    if (this.#checked?.of !== metadata) this.#checked = { of: metadata, urls: new Map() };
    this.#checked.urls.set(member, value);
    return value;
  }

  async #fetch(): Promise<IssuerMetadata> {
    const sentAt = performance.now();
    try {
      const metadata = await discover(this.#http, this.issuer, this.#limits);
      this.#metadata = metadata;
      this.#fetchedAt = this.#clock();
      this.#failedAt = undefined;
      this.#lastError = undefined;
      if (jwksChannel.hasSubscribers) {
        jwksChannel.publish({
          issuer: this.issuer,
          event: 'discovery',
          uri: metadata.jwks_uri,
          durationMs: performance.now() - sentAt,
        });
      }
      this.#monitor?.succeeded('discovery', this.issuer, undefined);
      return metadata;
    } catch (error) {
      this.#failedAt = this.#clock();
      const failure = (
        error instanceof UpstreamError
          ? error
          : new UpstreamError('network', undefined, { cause: error })
      ).annotate('discovery', this.issuer);
      this.#lastError = failure;
      // With metadata from before, nothing fails: say nothing until it is needed and missing.
      if (this.#metadata === undefined) this.#monitor?.failed(failure);
      if (jwksChannel.hasSubscribers) {
        jwksChannel.publish({
          issuer: this.issuer,
          event: 'failure',
          uri: undefined,
          detail: `discovery_${error instanceof UpstreamError ? error.failure : 'error'}`,
          durationMs: performance.now() - sentAt,
        });
      }
      if (this.#metadata !== undefined) return this.#metadata;
      throw failure;
    }
  }
}
