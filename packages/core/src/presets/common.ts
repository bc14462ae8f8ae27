// What every provider preset shares: naming the preset in its errors, reading a host or URL, and
// merging the caller's further options into the preset's.
import type { ClaimRules } from '../authorize/claims.js';
import { isJsonObject } from '../lib/json.js';
import { fail } from '../lib/validate.js';
import type { TokenGuardOptions } from '../options.js';

/** Options a preset sets that its caller may not set too: they say which tokens are the provider's. */
const FIXED = ['issuer', 'issuers', 'jwksUri', 'clientBinding', 'spiffe'] as const;

/** Throws the `TypeError` a preset's mistake is: `tokenguard: presets.<name>(): <message>`. */
export function presetFail(preset: string, message: string): never {
  return fail(`presets.${preset}(): ${message}`);
}

/** The preset's argument, which must be an object. */
export function presetArgument<T extends object>(preset: string, value: T): T {
  if (!isJsonObject(value)) presetFail(preset, 'expects an options object');
  return value;
}

/** A required non-empty string parameter. */
export function requiredString(preset: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    presetFail(preset, `"${name}" is required`);
  }
  return (value as string).trim();
}

/**
 * A provider's base URL from a host name (`acme.eu.auth0.com`, then `https://` is assumed) or a
 * URL (`https://login.example.com`, or `http://127.0.0.1:4000` for a local server), without a
 * trailing slash. Only an origin unless `allowPath` (Keycloak's legacy `/auth` prefix).
 */
export function baseUrl(preset: string, name: string, value: unknown, allowPath = false): string {
  const text = requiredString(preset, name, value);
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return presetFail(preset, `"${name}" must be a host name or an https URL`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    (path !== '' && !allowPath)
  ) {
    presetFail(
      preset,
      `"${name}" must be a host name or an https URL${allowPath ? '' : ' without a path'}`,
    );
  }
  return `${url.origin}${path}`;
}

/**
 * The preset's options with the caller's further options merged in: `claims` and `scopeClaims`
 * add up (every rule holds, every source counts), `tokenTypes` are united, any other option the
 * caller gives replaces the preset's default (`algorithms`, `clientIdClaim`, …). The options that
 * say which tokens are the provider's — `issuer`, `issuers`, `jwksUri`, `clientBinding`, `spiffe`
 * — are the preset's alone: setting one too is a `TypeError`.
 */
export function withExtras(
  preset: string,
  own: TokenGuardOptions,
  extras: TokenGuardOptions,
): TokenGuardOptions {
  const merged: Record<string, unknown> = { ...own };
  for (const [key, value] of Object.entries(extras)) {
    if (value === undefined) continue;
    if ((FIXED as readonly string[]).includes(key)) {
      presetFail(
        preset,
        `"${key}" is set by the preset; use plain options instead of the preset to choose it`,
      );
    }
    const mine = (own as Record<string, unknown>)[key];
    if (key === 'claims' && isJsonObject(mine) && isJsonObject(value)) {
      for (const claim of Object.keys(value)) {
        if (Object.hasOwn(mine, claim)) {
          presetFail(preset, `"claims.${claim}" is already a rule of the preset`);
        }
      }
      merged.claims = { ...(mine as ClaimRules), ...(value as ClaimRules) };
    } else if ((key === 'scopeClaims' || key === 'tokenTypes') && Array.isArray(mine)) {
      merged[key] = Array.isArray(value) ? [...new Set([...mine, ...value])] : value;
    } else {
      merged[key] = value;
    }
  }
  return merged as TokenGuardOptions;
}

/** A GUID, as Entra ID's tenant and application ids are. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
