import { createHash } from 'node:crypto';
import { storeChannel } from '../diagnostics.js';
import type { IssuerSettings } from '../jwt/options.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';
import type { Store } from '../store.js';
import type { ResolvedIntrospection } from './options.js';

/** What the cache needs of its guard. */
interface CacheContext {
  readonly store: Store;
  readonly clock: () => number;
  readonly issuer: Pick<IssuerSettings, 'issuer' | 'audiences'>;
  readonly resource: string | undefined;
}

/** The outcome of one introspection call, shared by every request waiting for it. */
export type Outcome =
  | { kind: 'active'; claims: JsonObject; until: number; json?: string | undefined }
  | { kind: 'inactive'; reason: string }
  | { kind: 'unavailable'; reason: string; retryAfter?: number; cause?: Error };

/**
 * An active answer, cached until the token's `exp` and at most `cacheTtl` from `now`. `json`:
 * the answer's text as received (a JSON object), kept by the cache instead of serialising
 * `claims` again.
 */
export function active(claims: JsonObject, now: number, cacheTtl: number, json?: string): Outcome {
  let until = now + cacheTtl;
  const exp = own(claims, 'exp');
  if (typeof exp === 'number' && Number.isFinite(exp)) until = Math.min(until, exp * 1000);
  return { kind: 'active', claims, until, json };
}

/** The outcome of an answer that is not active: only a JSON boolean `true` is active. */
export function inactive(claims: JsonObject): Outcome {
  return {
    kind: 'inactive',
    reason: claims.active === false ? 'introspection.inactive' : 'introspection.active_malformed',
  };
}

/**
 * Introspection answers in the guard's {@link Store}, by the token's SHA-256 (never the token)
 * under this guard's namespace: active ones never past the token's `exp` nor `cacheTtl`,
 * inactive ones only `negativeCacheTtl`, unavailable ones never. The cache is an optimisation:
 * a store that fails is skipped, and the authorization server is asked.
 */
export class AnswerCache {
  readonly #store: Store;
  readonly #clock: () => number;
  readonly #negativeCacheTtl: number;
  /** `introspection:<guard namespace>:`, the prefix of every cache key this guard writes. */
  readonly #keyPrefix: string;

  constructor(settings: ResolvedIntrospection, context: CacheContext) {
    this.#store = context.store;
    this.#clock = context.clock;
    this.#negativeCacheTtl = settings.negativeCacheTtl;
    this.#keyPrefix = `introspection:${cacheNamespace(settings, context)}:`;
  }

  /** The store key of a token's answer, from the token's hash. */
  key(hash: string): string {
    return this.#keyPrefix + hash;
  }

  /** A cached answer that is still good, or `undefined`. A store that fails is skipped. */
  async get(key: string): Promise<Outcome | undefined> {
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
        if (parsed.u <= this.#clock()) return undefined;
        return { kind: 'active', claims: parsed.c, until: parsed.u };
      }
    } catch {
      // A corrupt entry is ignored.
    }
    return undefined;
  }

  /** Caches an answer: an active one until it must be asked again, an inactive one briefly. */
  async save(key: string, outcome: Outcome): Promise<void> {
    let value: string;
    let ttl: number;
    if (outcome.kind === 'active') {
      ttl = outcome.until - this.#clock();
      const claims = outcome.json ?? JSON.stringify(outcome.claims);
      value = `{"a":1,"u":${outcome.until},"c":${claims}}`;
    } else if (outcome.kind === 'inactive') {
      ttl = this.#negativeCacheTtl;
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

  #storeFailure(operation: 'get' | 'set'): void {
    if (storeChannel.hasSubscribers) {
      storeChannel.publish({ operation, event: 'failure', detail: 'introspection cache skipped' });
    }
  }
}

/**
 * The namespace of this guard's introspection cache entries: a hash of what an answer depends
 * on — the issuer, the endpoint, our client id, and the audiences and resource the guard serves —
 * so two guards sharing a store read each other's answers only when all of it is the same (two
 * instances of one API).
 */
function cacheNamespace(
  settings: ResolvedIntrospection,
  context: Pick<CacheContext, 'issuer' | 'resource'>,
): string {
  const identity = JSON.stringify([
    context.issuer.issuer,
    settings.endpoint ?? null,
    settings.auth.clientId,
    [...context.issuer.audiences].sort(),
    context.resource ?? null,
  ]);
  return createHash('sha256').update(identity).digest('base64url').slice(0, 16);
}
