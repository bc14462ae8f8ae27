import type { ServerResponse } from 'node:http';
import { mergeResponseHeader } from '@tokenguard/core/adapter';

/**
 * Sets response headers from core. `Access-Control-Expose-Headers` is merged with what a CORS
 * middleware already set (core's `mergeResponseHeader`), so neither list loses its names.
 */
export function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(headers)) {
    res.setHeader(name, mergeResponseHeader(name, res.getHeader(name), headers[name] as string));
  }
}
