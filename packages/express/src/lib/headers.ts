import type { ServerResponse } from 'node:http';

const EXPOSE = 'access-control-expose-headers';

/**
 * Sets response headers from core. `Access-Control-Expose-Headers` is merged with what a CORS
 * middleware already set, so neither list loses its names.
 */
export function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name] as string;
    if (name.toLowerCase() === EXPOSE) {
      res.setHeader(name, mergeList(res.getHeader(name), value));
    } else {
      res.setHeader(name, value);
    }
  }
}

function mergeList(existing: number | string | string[] | undefined, added: string): string {
  if (existing === undefined) return added;
  const names: string[] = [];
  const seen = new Set<string>();
  const values = Array.isArray(existing) ? [...existing, added] : [String(existing), added];
  for (const name of values.flatMap((value) => value.split(','))) {
    const trimmed = name.trim();
    const key = trimmed.toLowerCase();
    if (trimmed === '' || seen.has(key)) continue;
    seen.add(key);
    names.push(trimmed);
  }
  return names.join(', ');
}
