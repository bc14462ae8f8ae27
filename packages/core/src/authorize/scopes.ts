import { type JsonObject, own } from '../lib/json.js';

const readOnly = (): never => {
  throw new TypeError('tokenguard: auth.scopes is read-only');
};

/**
 * A token's scopes, read-only for real: a frozen object over a private `Set`, whose mutators
 * throw. One instance is cached with the verified token and handed to every request presenting
 * it (and one empty instance to every scope-less token), so it must not be a live `Set` a
 * handler could `add('admin')` to. Reading costs what a `Set` costs; nothing is copied per
 * request.
 */
class ScopeSet implements ReadonlySet<string> {
  readonly #set: Set<string>;

  constructor(set: Set<string>) {
    this.#set = set;
    Object.freeze(this);
  }
  get size(): number {
    return this.#set.size;
  }
  has(value: string): boolean {
    return this.#set.has(value);
  }
  forEach(
    callback: (value: string, key: string, set: ReadonlySet<string>) => void,
    thisArg?: unknown,
  ): void {
    for (const value of this.#set) callback.call(thisArg, value, value, this);
  }
  keys(): SetIterator<string> {
    return this.#set.keys();
  }
  values(): SetIterator<string> {
    return this.#set.values();
  }
  entries(): SetIterator<[string, string]> {
    return this.#set.entries();
  }
  [Symbol.iterator](): SetIterator<string> {
    return this.#set.values();
  }
  get [Symbol.toStringTag](): string {
    return 'ScopeSet';
  }
  /** Always throws: scopes come from the token. */
  add(_value: string): never {
    return readOnly();
  }
  /** Always throws: scopes come from the token. */
  delete(_value: string): never {
    return readOnly();
  }
  /** Always throws: scopes come from the token. */
  clear(): never {
    return readOnly();
  }
}
Object.freeze(ScopeSet.prototype);

const EMPTY: ReadonlySet<string> = new ScopeSet(new Set());

/**
 * The token's scopes: `scope` (a space-delimited string, RFC 9068 §2.2.3 / RFC 7662) when
 * present, else `scp` (a string or an array of strings, as Entra ID and Okta issue it). Scopes
 * are matched token by token, never by substring. Returns `undefined` when the claim is present
 * but malformed, which makes the token invalid rather than silently scope-less. The set is
 * read-only: its mutators throw.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3
 */
export function parseScopes(claims: JsonObject): ReadonlySet<string> | undefined {
  const scope = own(claims, 'scope');
  if (scope !== undefined) {
    if (typeof scope !== 'string') return undefined;
    return splitScopes(scope);
  }
  const scp = own(claims, 'scp');
  if (scp === undefined) return EMPTY;
  if (typeof scp === 'string') return splitScopes(scp);
  if (Array.isArray(scp) && scp.every((s) => typeof s === 'string')) {
    const set = new Set(scp.filter((s) => s.length > 0));
    return set.size === 0 ? EMPTY : new ScopeSet(set);
  }
  return undefined;
}

/** A read-only scope set of these values (the empty set when there are none). */
export function scopeSetOf(values: Iterable<string>): ReadonlySet<string> {
  const set = new Set(values);
  return set.size === 0 ? EMPTY : new ScopeSet(set);
}

// Most tokens of an API carry one of a few scope strings: each is split once and its read-only
// set shared by every token with it, so a new token costs a lookup, not a split, a `Set` and a
// frozen wrapper (and the verified-token cache holds one set per scope string, not per token).
// A flood of distinct scope strings empties the table rather than growing it.
const SETS_KEPT = 256;
const sets = new Map<string, ReadonlySet<string>>();

function splitScopes(value: string): ReadonlySet<string> {
  if (value.length === 0) return EMPTY;
  let scopes = sets.get(value);
  if (scopes !== undefined) return scopes;
  const set = new Set<string>();
  for (const part of value.split(' ')) if (part.length > 0) set.add(part);
  scopes = set.size === 0 ? EMPTY : new ScopeSet(set);
  // Long strings are not kept: they are rarely shared, and the table must stay small.
  if (value.length <= 1024) {
    if (sets.size >= SETS_KEPT) sets.clear();
    sets.set(value, scopes);
  }
  return scopes;
}

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value);
}
