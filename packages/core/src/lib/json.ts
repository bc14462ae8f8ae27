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
  if (!isJsonObject(value) || hasDuplicateMembers(text)) return undefined;
  return value;
}

/**
 * Whether valid JSON text has an object with a repeated member name. One pass over the text,
 * tracking the names of each open object; strings are compared after JSON unescaping only when
 * they contain a backslash.
 */
export function hasDuplicateMembers(text: string): boolean {
  const stack: Array<Set<string> | null> = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      const top = stack[stack.length - 1];
      if (expectingKey && top) {
        const raw = text.slice(i + 1, j);
        const name = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.has(name)) return true;
        top.add(name);
        expectingKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectingKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectingKey = stack[stack.length - 1] != null;
    }
  }
  return false;
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
