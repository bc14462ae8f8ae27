import { upstreamFacts, upstreamOf } from './diagnostics.js';
import type { AuthError, DetailValue, RejectionDetails } from './errors.js';
import { fail } from './lib/validate.js';
import { loggableUrl, type UpstreamEndpoint, type UpstreamError } from './upstream-error.js';

/**
 * Where tokenguard says why: anything with `debug` and `warn` methods that take a message —
 * `console`, a pino logger (Fastify's `app.log` and `request.log`), Nest's `Logger`, winston.
 * Rejected requests are logged at `debug`, one line each; upstream trouble at `warn`, once per
 * change of state (down, stale keys in use, recovered). A pino logger gets the facts as an object
 * too (`logger.debug({ tokenguard: { … } }, line)`); every other logger gets the line.
 *
 * Never logged: a token, a DPoP proof, a secret, or more of a client's claim than a short,
 * sanitised excerpt.
 *
 * @example
 * ```ts
 * const guard = createTokenGuard({ issuer, audience, logger: console });
 * // console.debug: tokenguard: rejected 401 invalid_token (jwt.aud): aud is "https://other.example", expected "https://api.example.com" [token sha256:3f1c…]
 * ```
 */
export interface TokenGuardLogger {
  debug(message: string): void;
  warn(message: string): void;
}

/** A logger as the guard uses it: one line, and the same facts as an object for pino. */
export interface LogSink {
  /** Whether a debug line would be written now (pino's `isLevelEnabled`); else nothing is built. */
  debugEnabled(): boolean;
  debug(line: string, facts: Readonly<Record<string, unknown>>): void;
  warn(line: string, facts: Readonly<Record<string, unknown>>): void;
}

type Method = (...args: unknown[]) => void;

/** pino (and Fastify's loggers, which are pino): `levels.values` and `levels.labels`, and `child`. */
function isPino(logger: object): boolean {
  const levels = (logger as { levels?: { values?: unknown; labels?: unknown } }).levels;
  return (
    typeof (logger as { child?: unknown }).child === 'function' &&
    typeof levels?.values === 'object' &&
    typeof levels?.labels === 'object'
  );
}

/** Validates the `logger` option (`false` or absent: no logger). */
export function resolveLogger(value: unknown): LogSink | undefined {
  if (value === undefined || value === false) return undefined;
  const logger = value as Record<string, unknown>;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof logger.debug !== 'function' ||
    typeof logger.warn !== 'function'
  ) {
    fail(
      '"logger" must have debug() and warn() methods (console, pino, Nest\'s Logger, …) or be false',
    );
  }
  const structured = isPino(logger);
  const isLevelEnabled = logger.isLevelEnabled as ((level: string) => boolean) | undefined;
  const write = (method: Method, line: string, facts: Readonly<Record<string, unknown>>) => {
    if (structured) method.call(logger, { tokenguard: facts }, line);
    else method.call(logger, line);
  };
  const quiet = (logger as { level?: unknown }).level === 'warn' && !structured;
  return {
    debugEnabled: () =>
      !quiet &&
      (typeof isLevelEnabled !== 'function' || isLevelEnabled.call(logger, 'debug') === true),
    debug: (line, facts) => write(logger.debug as Method, line, facts),
    warn: (line, facts) => write(logger.warn as Method, line, facts),
  };
}

const show = (value: DetailValue | undefined): string =>
  value === undefined || value === null ? 'absent' : JSON.stringify(value);

function expectation(expected: DetailValue): string {
  if (Array.isArray(expected)) {
    return expected.length === 1 ? show(expected[0]) : `one of ${show(expected)}`;
  }
  return show(expected);
}

function instant(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString().replace('.000Z', 'Z');
}

/** The facts of a rejection in words: `aud is "x", expected "y"`; `exp is …, 125 s ago`. */
export function describeDetails(details: RejectionDetails): string {
  const { field, expected, actual, now, clockTolerance } = details;
  if (now !== undefined && typeof actual === 'number') {
    const delta = Math.round(actual - now);
    const when = `${instant(actual)}, ${Math.abs(delta)} s ${delta <= 0 ? 'before' : 'after'} now`;
    const limit =
      typeof expected === 'number'
        ? `, more than ${field === 'auth_time' ? 'maxAge' : 'maxTokenAge'} ${expected} s ago`
        : '';
    const tolerance = clockTolerance === undefined ? '' : ` (clock tolerance ${clockTolerance} s)`;
    return `${field} is ${when}${limit}${tolerance}`;
  }
  if (field === 'scope') {
    return `scope: required ${show(expected)}, granted ${show(actual)}`;
  }
  if (expected === undefined && actual === undefined) return `${field}`;
  const is = actual === undefined ? '' : `${field} is ${show(actual)}`;
  const want = expected === undefined ? '' : `expected ${expectation(expected)}`;
  return is === '' ? `${field}: ${want}` : want === '' ? is : `${is}, ${want}`;
}

/**
 * Logs one rejected request at debug: status, code, reason, the facts, and the token's short
 * hash. Builds nothing when debug is off.
 */
export function logRejection(
  sink: LogSink | undefined,
  error: AuthError,
  tokenId: (() => string) | undefined,
): void {
  if (sink === undefined || !sink.debugEnabled()) return;
  const id = tokenId?.();
  const upstream = upstreamOf(error);
  const why =
    error.details !== undefined
      ? `: ${describeDetails(error.details)}`
      : upstream !== undefined
        ? `: ${(error.cause as Error).message.replace(/^tokenguard: /, '')}`
        : '';
  const line = `tokenguard: rejected ${error.status} ${error.code} (${error.reason})${why}${id === undefined ? '' : ` [token ${id}]`}`;
  sink.debug(line, {
    event: 'rejected',
    status: error.status,
    code: error.code,
    reason: error.reason,
    ...(id !== undefined && { tokenId: id }),
    ...(error.details !== undefined && { details: error.details }),
    ...(upstream !== undefined && { upstream }),
  });
}

type UpstreamState = 'up' | 'down' | 'stale';

const NAMES: Record<UpstreamEndpoint, string> = {
  discovery: 'the discovery metadata',
  jwks: 'the JWKS',
  introspection: 'the introspection endpoint',
};

/**
 * Says at warn when an issuer's endpoint changes state — down, stale keys in use, recovered —
 * once per change, whatever the request rate. Fed by the metadata source, the key sources and
 * the introspector; only exists when the guard has a logger.
 */
export class UpstreamMonitor {
  readonly #sink: LogSink;
  readonly #states = new Map<string, UpstreamState>();

  constructor(sink: LogSink) {
    this.#sink = sink;
  }

  /** A call failed. `stale`: the last good keys keep serving meanwhile. */
  failed(error: UpstreamError, stale = false): void {
    const endpoint = error.endpoint ?? 'jwks';
    const key = `${endpoint} ${error.issuer}`;
    const state: UpstreamState = stale ? 'stale' : 'down';
    if (this.#states.get(key) === state) return;
    this.#states.set(key, state);
    const what = `${NAMES[endpoint]} of issuer ${error.issuer}`;
    const where = error.url === undefined ? '' : ` at ${error.url}`;
    const then = stale
      ? 'the last good keys stay in use until they are refreshed or too old (jwks.staleMaxAge)'
      : endpoint === 'introspection'
        ? 'opaque tokens are answered 503 until it recovers'
        : 'requests that need its keys are answered 503 until it recovers';
    this.#sink.warn(`tokenguard: ${what} is down${where}: ${error.summary}; ${then}`, {
      event: stale ? 'upstream_stale' : 'upstream_down',
      ...upstreamFacts(error),
    });
  }

  /** A call succeeded: logs the recovery when the endpoint was down or stale. */
  succeeded(endpoint: UpstreamEndpoint, issuer: string, url: string | undefined): void {
    const key = `${endpoint} ${issuer}`;
    const previous = this.#states.get(key);
    if (previous === 'up') return;
    this.#states.set(key, 'up');
    if (previous === undefined) return;
    const shown = loggableUrl(url);
    const where = shown === undefined ? '' : ` at ${shown}`;
    this.#sink.warn(`tokenguard: ${NAMES[endpoint]} of issuer ${issuer} recovered${where}`, {
      event: 'upstream_recovered',
      endpoint,
      issuer,
      url: shown,
    });
  }
}

/**
 * `console` as a tokenguard logger at a level: `'debug'` writes rejections (`console.debug`) and
 * upstream trouble (`console.warn`), `'warn'` only upstream trouble. What `TOKENGUARD_LOG` and
 * Express's `requireToken()` (at `'warn'`, when it creates the guard) use.
 */
export function consoleLogger(
  level: 'debug' | 'warn',
): TokenGuardLogger & { readonly level: string } {
  return Object.freeze({
    level,
    debug: level === 'debug' ? (message: string) => console.debug(message) : () => {},
    warn: (message: string) => console.warn(message),
  });
}
