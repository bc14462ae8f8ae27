import { Agent, request } from 'undici';
import { systemCode, UpstreamError } from '../upstream-error.js';
import { exchange, type Target, type UpstreamRequest, type UpstreamResponse } from './exchange.js';

export { UpstreamError, type UpstreamRequest, type UpstreamResponse };

/** A `fetch`-compatible function, for users who must route upstream calls their own way. */
export type FetchLike = (
  input: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
}>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether `url` may be called: https, or http on loopback, or anything when allowed. */
export function isAllowedUrl(url: URL, allowInsecure: boolean): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  return allowInsecure || isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  return (
    LOOPBACK_HOSTS.has(hostname) ||
    hostname.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * The one way tokenguard talks to authorization servers: a pooled keep-alive undici `Agent`
 * (an introspection per request through global `fetch` costs about 4× more), a deadline for the
 * whole exchange, a cap on the body size, no redirects, and only https outside loopback.
 */
export class HttpClient {
  readonly #agent: Agent | undefined;
  readonly #fetch: FetchLike | undefined;
  readonly #allowInsecure: boolean;
  /** URLs already checked (a handful: JWKS, metadata, introspection endpoints); `false`: refused. */
  readonly #checked = new Map<string, Target | false>();
  /**
   * Whether requests go straight to the agent's dispatcher (see `exchange.ts`). Not under Bun,
   * whose built-in `undici` is a facade over its own `fetch` with no dispatcher.
   */
  readonly #dispatch: boolean;

  constructor(options: { fetch?: FetchLike | undefined; allowInsecureRequests: boolean }) {
    this.#allowInsecure = options.allowInsecureRequests;
    this.#fetch = options.fetch;
    this.#agent = options.fetch
      ? undefined
      : new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 64 });
    this.#dispatch =
      typeof this.#agent?.dispatch === 'function' && process.versions.bun === undefined;
  }

  async send(url: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const target = this.#target(url);
    if (target === false) throw new UpstreamError('insecure_url', undefined, { url });
    if (this.#dispatch) {
      return exchange(this.#agent as Agent, url, target, req);
    }

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), req.timeout);
    timer.unref?.();
    try {
      return this.#fetch
        ? await this.#viaFetch(this.#fetch, url, req, controller.signal)
        : await this.#viaUndici(url, req, controller.signal);
    } catch (error) {
      if (error instanceof UpstreamError) throw error.locate(url);
      throw new UpstreamError(controller.signal.aborted ? 'timeout' : 'network', undefined, {
        url,
        code: controller.signal.aborted ? undefined : systemCode(error),
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #target(url: string): Target | false {
    let target = this.#checked.get(url);
    if (target === undefined) {
      try {
        const parsed = new URL(url);
        target = isAllowedUrl(parsed, this.#allowInsecure)
          ? { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
          : false;
      } catch {
        target = false;
      }
      if (this.#checked.size < 64) this.#checked.set(url, target);
    }
    return target;
  }

  async #viaUndici(url: string, req: UpstreamRequest, signal: AbortSignal) {
    const res = await request(url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: this.#agent,
      signal,
      headersTimeout: req.timeout,
      bodyTimeout: req.timeout,
    });
    const contentType = String(res.headers['content-type'] ?? '');
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > req.maxResponseSize) {
      res.body.destroy();
      throw new UpstreamError('too_large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > req.maxResponseSize) {
        res.body.destroy();
        throw new UpstreamError('too_large');
      }
      chunks.push(chunk as Buffer);
    }
    return { status: res.statusCode, contentType, body: Buffer.concat(chunks, size) };
  }

  async #viaFetch(fetchImpl: FetchLike, url: string, req: UpstreamRequest, signal: AbortSignal) {
    const res = await fetchImpl(url, {
      method: req.method,
      headers: req.headers ?? {},
      body: req.body,
      signal,
      redirect: 'manual',
    });
    const contentType = res.headers.get('content-type') ?? '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > req.maxResponseSize) {
          await reader.cancel().catch(() => {});
          throw new UpstreamError('too_large');
        }
        chunks.push(value);
      }
    }
    return { status: res.status, contentType, body: Buffer.concat(chunks, size) };
  }

  /** GETs a JSON document; anything but a 200 with a JSON object body is an `UpstreamError`. */
  async getJson(
    url: string,
    options: { timeout: number; maxResponseSize: number },
  ): Promise<Record<string, unknown>> {
    const request = { method: 'GET' as const, headers: { accept: 'application/json' }, ...options };
    let res: UpstreamResponse;
    try {
      res = await this.send(url, request);
    } catch (error) {
      // A kept-alive connection the server closed meanwhile (a restart, an idle timeout) fails
      // before anything was answered. A GET is safe to repeat once, on a fresh connection.
      if (!(error instanceof UpstreamError) || error.failure !== 'network') throw error;
      res = await this.send(url, request);
    }
    if (res.status >= 300 && res.status < 400) {
      throw new UpstreamError('redirect', res.status, { url });
    }
    if (res.status !== 200) throw new UpstreamError('status', res.status, { url });
    try {
      return parseJsonBody(res.body);
    } catch (error) {
      throw error instanceof UpstreamError ? error.locate(url) : error;
    }
  }

  async close(): Promise<void> {
    // Bun's built-in `undici` has an Agent with no close(): its requests go through Bun's own
    // connection pool, which needs none.
    const agent = this.#agent as Partial<Agent> | undefined;
    if (typeof agent?.close === 'function') await agent.close();
  }
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UpstreamError('invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UpstreamError('invalid_json');
  }
  return value as Record<string, unknown>;
}
