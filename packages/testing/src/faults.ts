import type { Reply } from './http.js';

/**
 * The endpoints a fault can be set on. `metadata` covers both discovery documents.
 *
 * @example
 * ```ts
 * it.each(FAULT_ENDPOINTS)('survives a 500 from %s', async (endpoint) => {
 *   server.faults.set(endpoint, { status: 500 });
 * });
 * ```
 */
export const FAULT_ENDPOINTS = ['jwks', 'introspection', 'token', 'metadata'] as const;

/**
 * An endpoint a fault can be set on, and a key of `server.counts`.
 *
 * @example
 * ```ts
 * const endpoint: FaultEndpoint = 'jwks';
 * ```
 */
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

/**
 * How many requests each endpoint has received (every method and outcome, faults included).
 *
 * @example
 * ```ts
 * expect(server.counts).toEqual({ jwks: 1, introspection: 0, token: 0, metadata: 1 });
 * ```
 */
export type RequestCounts = Record<FaultEndpoint, number>;

/** Applies to the next `times` requests, then clears itself; without it, until cleared. */
interface Limited {
  times?: number;
}

/**
 * What a faulty endpoint does instead of answering normally:
 * - `{ status }`: answers with that status and a JSON error body (or `body`).
 * - `{ body, contentType? }`: answers 200 (or `status`) with this exact body, e.g. `'not json'`.
 * - `{ hang: true }`: never answers, until the fault is cleared (then it answers normally) or the
 *   server closes (then the connection is destroyed).
 * - `{ delayMs }`: answers normally after that many milliseconds.
 * - `{ oversized: bytes }`: answers normally, padded with a `padding` member to `bytes` bytes of
 *   valid JSON.
 *
 * Every fault takes `times` to apply to the next n requests only.
 *
 * @example
 * ```ts
 * server.faults.set('jwks', { status: 503, times: 1 }); // the next JWKS fetch fails, then recovers
 * server.faults.set('introspection', { delayMs: 6_000 }); // longer than the client's timeout
 * server.faults.set('jwks', { oversized: 2_000_000 }); // a 2 MB JWKS
 * ```
 */
export type Fault =
  | (Limited & { status: number; body?: string; contentType?: string })
  | (Limited & { body: string; contentType?: string; status?: number })
  | (Limited & { hang: true })
  | (Limited & { delayMs: number })
  | (Limited & { oversized: number });

/**
 * `server.faults`: switches that make an endpoint misbehave, for resilience tests.
 *
 * @example
 * ```ts
 * server.faults.set('jwks', { hang: true });
 * // ... assert the resource server answers 503 in time ...
 * server.faults.clear();
 * ```
 */
export interface FaultSwitches {
  /**
   * Makes `endpoint` misbehave as `fault` says, replacing any fault already set on it.
   *
   * @example
   * ```ts
   * server.faults.set('jwks', { status: 503 });
   * server.faults.set('introspection', { hang: true });
   * server.faults.set('metadata', { body: '<html>', contentType: 'text/html', times: 1 });
   * ```
   */
  set(endpoint: FaultEndpoint, fault: Fault): void;
  /**
   * Clears the fault on `endpoint`, or on every endpoint. Requests held by a `hang` fault are
   * then answered normally.
   *
   * @example
   * ```ts
   * server.faults.clear('jwks');
   * server.faults.clear();
   * ```
   */
  clear(endpoint?: FaultEndpoint): void;
  /**
   * The fault currently set on `endpoint`, if any.
   *
   * @example
   * ```ts
   * expect(server.faults.get('jwks')).toBeUndefined();
   * ```
   */
  get(endpoint: FaultEndpoint): Fault | undefined;
}

/** The fault switches plus what the server needs to apply them. */
export class FaultController implements FaultSwitches {
  private readonly faults = new Map<FaultEndpoint, Fault>();
  private readonly remaining = new Map<FaultEndpoint, number>();
  private readonly held = new Map<FaultEndpoint, Set<() => void>>();

  set(endpoint: FaultEndpoint, fault: Fault): void {
    checkEndpoint(endpoint, 'faults.set');
    checkFault(fault);
    this.faults.set(endpoint, { ...fault });
    if (fault.times === undefined) this.remaining.delete(endpoint);
    else this.remaining.set(endpoint, fault.times);
  }

  clear(endpoint?: FaultEndpoint): void {
    if (endpoint !== undefined) checkEndpoint(endpoint, 'faults.clear');
    for (const name of endpoint === undefined ? FAULT_ENDPOINTS : [endpoint]) {
      this.faults.delete(name);
      this.remaining.delete(name);
      const held = this.held.get(name);
      this.held.delete(name);
      for (const release of held ?? []) release();
    }
  }

  get(endpoint: FaultEndpoint): Fault | undefined {
    const fault = this.faults.get(endpoint);
    return fault === undefined ? undefined : { ...fault };
  }

  /** The fault for this request, counting it against `times`. */
  take(endpoint: FaultEndpoint): Fault | undefined {
    const fault = this.faults.get(endpoint);
    const left = this.remaining.get(endpoint);
    if (fault !== undefined && left !== undefined) {
      if (left <= 1) {
        this.faults.delete(endpoint);
        this.remaining.delete(endpoint);
      } else {
        this.remaining.set(endpoint, left - 1);
      }
    }
    return fault;
  }

  /**
   * Holds a request until the endpoint's fault is cleared; returns a function that forgets it
   * (when the client goes away or the server closes).
   */
  hold(endpoint: FaultEndpoint, release: () => void): () => void {
    let held = this.held.get(endpoint);
    if (held === undefined) {
      held = new Set();
      this.held.set(endpoint, held);
    }
    held.add(release);
    return () => this.held.get(endpoint)?.delete(release);
  }

  /** Forgets every held request without answering it (the server is closing). */
  dropHeld(): void {
    this.held.clear();
  }
}

/**
 * The reply a `status`, `body` or `oversized` fault turns `reply` into, as status, content type,
 * body text and headers. `reply` is the endpoint's real answer (only `oversized` uses it).
 */
export function faultyResponse(
  fault: Fault,
  reply: Reply,
): { status: number; contentType: string; text: string; headers: Record<string, string> } {
  if ('oversized' in fault) {
    const base = JSON.stringify({ ...reply.body, padding: '' });
    const padding = 'x'.repeat(Math.max(0, fault.oversized - Buffer.byteLength(base)));
    const text = JSON.stringify({ ...reply.body, padding });
    return { status: reply.status, contentType: 'application/json', text, headers: {} };
  }
  if ('body' in fault && fault.body !== undefined) {
    return {
      status: fault.status ?? 200,
      contentType: fault.contentType ?? 'application/json',
      text: fault.body,
      headers: {},
    };
  }
  const status = 'status' in fault && fault.status !== undefined ? fault.status : 500;
  return {
    status,
    contentType: 'application/json',
    text: JSON.stringify({ error: 'server_error', error_description: 'injected fault' }),
    headers: {},
  };
}

/** Throws a `TypeError` unless `endpoint` is a fault endpoint. */
function checkEndpoint(endpoint: unknown, caller: string): void {
  if (!(FAULT_ENDPOINTS as readonly unknown[]).includes(endpoint)) {
    throw new TypeError(`${caller}: "endpoint" must be one of ${FAULT_ENDPOINTS.join(', ')}`);
  }
}

function checkFault(fault: unknown): asserts fault is Fault {
  const bad = (why: string) => new TypeError(`faults.set: "fault" ${why}`);
  if (typeof fault !== 'object' || fault === null) throw bad('must be an object');
  const f = fault as Record<string, unknown>;
  const kinds = ['status', 'body', 'hang', 'delayMs', 'oversized'].filter(
    (kind) => f[kind] !== undefined,
  );
  if (kinds.length === 0) throw bad('needs one of status, body, hang, delayMs, oversized');
  const pair = kinds.length === 2 && kinds.includes('status') && kinds.includes('body');
  if (kinds.length > 1 && !pair) throw bad(`cannot combine ${kinds.join(' and ')}`);
  const isInt = (value: unknown, min: number) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min;
  if (f.status !== undefined && (!isInt(f.status, 200) || (f.status as number) > 599)) {
    throw bad('"status" must be an HTTP status code (200-599)');
  }
  if (f.body !== undefined && typeof f.body !== 'string') throw bad('"body" must be a string');
  if (f.contentType !== undefined && typeof f.contentType !== 'string') {
    throw bad('"contentType" must be a string');
  }
  if (f.hang !== undefined && f.hang !== true) throw bad('"hang" must be true');
  if (f.delayMs !== undefined && !isInt(f.delayMs, 0)) {
    throw bad('"delayMs" must be a whole number of milliseconds');
  }
  if (f.oversized !== undefined && !isInt(f.oversized, 1)) {
    throw bad('"oversized" must be a positive number of bytes');
  }
  if (f.times !== undefined && !isInt(f.times, 1)) throw bad('"times" must be a positive integer');
}
