import { fail } from '../lib/validate.js';

/** Where a client may put its access token (RFC 6750 §2). Only `header` is on by default. */
export type TokenLocation = 'header' | 'query' | 'body';

/** Where the guard looks for credentials, and how long a token may be. */
export interface ExtractSettings {
  readonly locations: { header: boolean; query: boolean; body: boolean };
  readonly maxTokenLength: number;
}

/** Validates `tokenLocations` and `maxTokenLength` (a `TypeError` naming the option). */
export function resolveExtract(options: {
  tokenLocations?: readonly TokenLocation[];
  maxTokenLength?: number;
}): ExtractSettings {
  const maxTokenLength = options.maxTokenLength ?? 8192;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16 || maxTokenLength > 16 * 1024) {
    fail('"maxTokenLength" must be an integer between 16 and 16384');
  }
  const locationList = options.tokenLocations ?? ['header'];
  if (!Array.isArray(locationList) || locationList.length === 0)
    fail('"tokenLocations" must be a non-empty array');
  const locations = { header: false, query: false, body: false };
  for (const location of locationList) {
    if (location !== 'header' && location !== 'query' && location !== 'body') {
      fail('"tokenLocations" may only contain "header", "query" and "body"');
    }
    locations[location as TokenLocation] = true;
  }
  return { locations, maxTokenLength };
}
