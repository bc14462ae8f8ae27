import type { Agent } from 'undici';
import { systemCode, UpstreamError } from '../upstream-error.js';

/** An upstream answer, its body read whole. */
export interface UpstreamResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/** An upstream request: what tokenguard sends and the limits it holds the answer to. */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Milliseconds for the whole exchange, connection to last byte. */
  timeout: number;
  /** Bytes; a larger body is abandoned. */
  maxResponseSize: number;
}

/** Where a request goes, split once per URL: undici's dispatcher takes origin and path apart. */
export interface Target {
  readonly origin: string;
  readonly path: string;
}

type RawHeader = Buffer | string;
const text = (value: RawHeader | undefined): string =>
  value === undefined ? '' : typeof value === 'string' ? value : value.toString('latin1');

/**
 * One request through undici's dispatcher, read straight into a buffer: no response stream, no
 * `AbortSignal`, no async iterator. (`undici.request()` builds all three, and they were a third
 * of an uncached introspection's cost.) The deadline covers the whole exchange — connecting,
 * the headers, every byte of the body — and a body over `maxResponseSize` is abandoned.
 */
class Exchange {
  readonly #maxSize: number;
  readonly #url: string;
  readonly #resolve: (response: UpstreamResponse) => void;
  readonly #reject: (error: UpstreamError) => void;
  readonly #timer: ReturnType<typeof setTimeout>;
  #abort: ((reason: Error) => void) | undefined;
  #failure: UpstreamError | undefined; // the deadline passed, or the body was too large
  #settled = false;
  #status = 0;
  #contentType = '';
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    url: string,
    timeout: number,
    maxSize: number,
    resolve: (response: UpstreamResponse) => void,
    reject: (error: UpstreamError) => void,
  ) {
    this.#url = url;
    this.#maxSize = maxSize;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = setTimeout(() => this.#fail(new UpstreamError('timeout')), timeout);
    this.#timer.unref?.();
  }

  /** Ends the exchange with `error` now, whatever undici is doing. */
  #fail(error: UpstreamError): void {
    this.#failure ??= error;
    this.#abort?.(error);
    this.#settle();
  }

  #settle(response?: UpstreamResponse): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    if (this.#failure !== undefined) this.#reject(this.#failure.locate(this.#url));
    else if (response !== undefined) this.#resolve(response);
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort;
    if (this.#failure !== undefined) abort(this.#failure);
  }

  onHeaders(status: number, rawHeaders: RawHeader[]): boolean {
    if (status < 200) return true; // 1xx: the answer is still to come
    this.#status = status;
    const types: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = text(rawHeaders[i]);
      if (name.length === 12 && name.toLowerCase() === 'content-type') {
        types.push(text(rawHeaders[i + 1]));
      } else if (name.length === 14 && name.toLowerCase() === 'content-length') {
        if (Number(text(rawHeaders[i + 1])) > this.#maxSize) {
          this.#fail(new UpstreamError('too_large'));
          return false;
        }
      }
    }
    // Two Content-Types are joined, as undici's parser would, so that neither is believed.
    this.#contentType = types.join(', ');
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.#maxSize) {
      this.#fail(new UpstreamError('too_large'));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#size);
    this.#settle({ status: this.#status, contentType: this.#contentType, body });
  }

  onError(error: Error): void {
    this.#failure ??=
      error instanceof UpstreamError
        ? error
        : new UpstreamError('network', undefined, { code: systemCode(error), cause: error });
    this.#settle();
  }
}

/** Sends one request through `agent` and reads the whole answer (see {@link Exchange}). */
export function exchange(
  agent: Agent,
  url: string,
  target: Target,
  request: UpstreamRequest,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const handler = new Exchange(url, request.timeout, request.maxResponseSize, resolve, reject);
    try {
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: request.method,
          headers: request.headers,
          body: request.body,
          headersTimeout: request.timeout,
          bodyTimeout: request.timeout,
        },
        handler,
      );
    } catch (error) {
      handler.onError(error as Error);
    }
  });
}
