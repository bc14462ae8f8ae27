// The validators every option resolver uses, so that a mistake reads the same wherever it is
// made: a `TypeError` that starts with `tokenguard:` and names the option, and for an unknown
// name the closest valid one. Internal: adapters reach the name suggestions through
// `checkRequirementKeys()`.
import { isAllowedUrl } from './http-client.js';

/** Throws the `TypeError` every configuration mistake is: `tokenguard: <message>`. */
export function fail(message: string): never {
  throw new TypeError(`tokenguard: ${message}`);
}

/** A string or a list of strings, none empty, as a list; `[]` when absent. */
export function list(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  const values = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string' && v.length > 0)) {
    fail(`"${name}" must be a non-empty string or an array of non-empty strings`);
  }
  return values as string[];
}

/** A duration in seconds between 0 and `max`, or `fallback` when absent. */
export function seconds(
  value: unknown,
  name: string,
  fallback: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(`"${name}" must be a finite number of seconds between 0 and ${max}`);
  }
  return value as number;
}

/** An absolute URL that may be called: https, or http on loopback or with `allowInsecure`. */
export function checkUrl(value: string, name: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`"${name}" must be an absolute URL`);
  }
  if (!isAllowedUrl(url, allowInsecure)) {
    fail(
      `"${name}" must use https (plain http is only allowed on loopback, or with "allowInsecureRequests: true")`,
    );
  }
  return url;
}

/** A string that may stand in a quoted-string of a challenge: printable ASCII. */
export function checkQuotable(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value))) {
    fail(`"${name}" must be a string of printable ASCII characters`);
  }
  return value as string | undefined;
}

/**
 * Refuses every key of `value` that is not in `known`: `unknown option "<key>"`, with the closest
 * known name when there is one.
 */
export function checkKnownKeys(value: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const closest = closestName(key, known);
    fail(`unknown ${what} "${key}"${closest === undefined ? '' : `; did you mean "${closest}"?`}`);
  }
}

// Suggestions for misspelled option and requirement names.

/** Lower case, without `-` and `_`: `max_age`, `Max-Age` and `maxAge` fold to the same name. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost one (`intropsect` is one edit from `introspect`).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/**
 * The candidate that `name` most likely misspells, or `undefined` when none is close. Close means,
 * after folding case, `-` and `_`: equal; one edit apart (two for names of nine characters or
 * more); or the candidate followed by at most three more characters (`introspection`).
 * `aliases` maps other words people use for a candidate (`scp` → `scopes`).
 */
export function closestName(
  name: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const folded = fold(name);
  const alias = Object.hasOwn(aliases, folded) ? aliases[folded] : undefined;
  if (alias !== undefined && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const target = fold(candidate);
    const distance = editDistance(folded, target);
    const allowed = target.length >= 9 ? 2 : 1;
    const extended = folded.startsWith(target) && folded.length - target.length <= 3;
    if ((distance <= allowed || extended) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
