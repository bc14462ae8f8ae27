// Response headers whose value is a comma-separated list that other middleware (CORS) also sets.
const LIST_HEADERS = new Set(['access-control-expose-headers', 'vary']);

/**
 * The value an adapter should set for one of core's response headers, given what the response
 * already carries: `Access-Control-Expose-Headers` (and `Vary`) are merged with an existing value
 * — a CORS middleware may have set its own list — without duplicates; any other header is
 * replaced. Adapters call it for every header of `AuthError.headers` / `auth.responseHeaders`.
 *
 * @example
 * ```ts
 * for (const [name, value] of Object.entries(error.headers)) {
 *   res.setHeader(name, mergeResponseHeader(name, res.getHeader(name), value));
 * }
 * ```
 */
export function mergeResponseHeader(name: string, existing: unknown, value: string): string {
  if (!LIST_HEADERS.has(name.toLowerCase()) || existing === undefined || existing === null) {
    return value;
  }
  const names: string[] = [];
  const seen = new Set<string>();
  const values = Array.isArray(existing) ? [...existing, value] : [String(existing), value];
  for (const part of values.flatMap((item) => String(item).split(','))) {
    const trimmed = part.trim();
    const key = trimmed.toLowerCase();
    if (trimmed === '' || seen.has(key)) continue;
    seen.add(key);
    names.push(trimmed);
  }
  return names.join(', ');
}
