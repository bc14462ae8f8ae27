import { isUtf8 } from 'node:buffer';

export type JsonObject = Record<string, unknown>;

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses bytes as strict UTF-8 JSON and returns the object, or `undefined`. A member name that
 * appears twice in one object makes it malformed: `JSON.parse` keeps the last one, other parsers
 * the first, and a token must not mean different things to different readers (RFC 7515 §5.2
 * allows rejecting it, the JWT BCP, RFC 8725, asks for strict parsing).
 */
export function parseJsonObject(bytes: Uint8Array): JsonObject | undefined {
  // Strict UTF-8: invalid sequences are an error, not U+FFFD.
  if (!isUtf8(bytes)) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(value) || memberCount(text) !== keyCount(value)) return undefined;
  return value;
}

/**
 * Whether valid JSON text has an object with a repeated member name (`"\u0069ss"` and `"iss"`
 * are the same name).
 */
export function hasDuplicateMembers(text: string): boolean {
  const value: unknown = JSON.parse(text);
  return memberCount(text) !== keyCount(value);
}

// Duplicates, counted rather than compared: `JSON.parse` keeps one property per distinct name in
// each object, so the text has more members than the parsed value has own keys exactly when some
// object repeats a name. A member is the only place JSON has a `:` outside a string, so counting
// those counts members, with native `indexOf` scans and nothing allocated; the parsed side is a
// walk over the objects (an explicit stack: a 64 KiB introspection answer nests deep enough to
// overflow a recursive one).

/** Members in JSON text `JSON.parse` accepted: the `:` outside strings. */
function memberCount(text: string): number {
  let members = 0;
  let from = 0;
  for (;;) {
    const quote = text.indexOf('"', from);
    const end = quote === -1 ? text.length : quote;
    for (let colon = text.indexOf(':', from); colon !== -1 && colon < end; ) {
      members++;
      colon = text.indexOf(':', colon + 1);
    }
    if (quote === -1) return members;
    // The closing quote is the first one not escaped (preceded by an even run of backslashes).
    let close = text.indexOf('"', quote + 1);
    for (;;) {
      if (close === -1) return members; // not JSON; only parsed text gets here
      let backslash = close - 1;
      while (text.charCodeAt(backslash) === 0x5c) backslash--;
      if ((close - 1 - backslash) % 2 === 0) break;
      close = text.indexOf('"', close + 1);
    }
    from = close + 1;
  }
}

/** Own keys of every object in a parsed JSON value. */
function keyCount(value: unknown): number {
  let keys = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    const names = Object.keys(next);
    keys += names.length;
    for (const name of names) {
      const member = (next as JsonObject)[name];
      if (typeof member === 'object' && member !== null) pending.push(member);
    }
  }
  return keys;
}

/**
 * Reads an own property. Claims come from attacker-influenced JSON: never let a lookup fall
 * through to `Object.prototype` (polluted or not), and treat a `__proto__` member as data.
 */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Freezes a parsed JSON value in place, so cached claims cannot be changed by one request. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
