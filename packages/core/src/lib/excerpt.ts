import type { DetailValue } from '../errors.js';

const MAX_CHARS = 80;
const MAX_ITEMS = 10;
const UNPRINTABLE = /[^\x20-\x7e]/g;

function text(value: string): string {
  // Printable ASCII only: a claim value in a log line must not carry a newline, an escape
  // sequence or a look-alike character the client chose.
  const cut = value.length > MAX_CHARS ? `${value.slice(0, MAX_CHARS)}…` : value;
  return cut.replace(UNPRINTABLE, '?');
}

function scalar(value: unknown): string | number {
  if (typeof value === 'string') return text(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? '[array]' : typeof value === 'object' ? '{object}' : typeof value;
}

/**
 * A bounded, sanitised excerpt of a value the client sent (a claim, a header member), for
 * rejection details: strings cut to 80 printable ASCII characters, lists to 10 entries, objects
 * named but not shown; `null` for an absent value. Only ever called on a rejection.
 */
export function excerpt(value: unknown): DetailValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map(scalar);
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
    return items;
  }
  return scalar(value);
}

/** A configured list, as the `expected` of a detail (bounded like an excerpt). */
export function listed(values: Iterable<string>): readonly string[] {
  const all = [...values];
  if (all.length <= MAX_ITEMS * 2) return all;
  return [...all.slice(0, MAX_ITEMS * 2), `… ${all.length - MAX_ITEMS * 2} more`];
}
