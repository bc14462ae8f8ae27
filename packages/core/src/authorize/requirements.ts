import { InsufficientScopeError, InsufficientUserAuthenticationError } from '../errors.js';
import { type JsonObject, own } from '../lib/json.js';
import {
  type ClaimRules,
  type CompiledClaimRule,
  claimsSatisfy,
  compileClaimRules,
} from './claims.js';
import { isScopeToken } from './scopes.js';

/**
 * What a route requires of an authenticated request, on top of the guard's own checks.
 *
 * @example
 * ```ts
 * await guard.authenticate(request, { scopes: ['orders:write'], claims: { tenant: { equals: 'acme' } } });
 * ```
 */
export interface AuthRequirements {
  /** Every one of these scopes is required. A missing one → 403 `insufficient_scope`. */
  scopes?: readonly string[];
  /** At least one of these scopes is required. */
  anyScopes?: readonly string[];
  /** Claim rules; a failing one → 403 `insufficient_scope` (authorization, not validity). */
  claims?: ClaimRules;
  /** Step-up (RFC 9470): the token's `acr` must be one of these. */
  acrValues?: readonly string[];
  /** Step-up (RFC 9470): the user must have authenticated (`auth_time`) at most this many seconds ago. */
  maxAge?: number;
  /** Introspect this token even when it is a locally verified JWT (revocation-sensitive routes). */
  introspect?: boolean;
  /** Let requests without credentials through as anonymous; bad credentials are still rejected. */
  optional?: boolean;
}

/** Requirements validated once and ready to check. */
export interface CompiledRequirements {
  readonly scopes: readonly string[];
  readonly anyScopes: readonly string[];
  readonly claims: readonly CompiledClaimRule[];
  readonly acrValues: readonly string[] | undefined;
  readonly maxAge: number | undefined;
  readonly introspect: boolean;
  readonly optional: boolean;
}

const KNOWN_KEYS = new Set([
  'scopes',
  'anyScopes',
  'claims',
  'acrValues',
  'maxAge',
  'introspect',
  'optional',
]);

function scopeList(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isScopeToken)) {
    throw new TypeError(
      `tokenguard: "${name}" must be an array of scope strings (no spaces or quotes)`,
    );
  }
  return Object.freeze([...new Set(value as string[])]);
}

/**
 * Validates requirements (a `TypeError` naming the option) and merges them onto `base` (the
 * guard's own requirements): scopes and claim rules add up, the rest is overridden.
 */
export function compileRequirements(
  input: AuthRequirements | undefined,
  base: CompiledRequirements | undefined,
  prefix = 'requirements',
): CompiledRequirements {
  const req = input ?? {};
  if (typeof req !== 'object' || req === null) {
    throw new TypeError(`tokenguard: "${prefix}" must be an object`);
  }
  for (const key of Object.keys(req)) {
    // A typo (`scope` for `scopes`) must not silently drop a requirement.
    if (!KNOWN_KEYS.has(key)) {
      throw new TypeError(`tokenguard: unknown requirement "${prefix}.${key}"`);
    }
  }
  const scopes = scopeList(req.scopes, `${prefix}.scopes`);
  const anyScopes = scopeList(req.anyScopes, `${prefix}.anyScopes`);
  const claims = compileClaimRules(req.claims, `${prefix}.claims`);
  const acrValues =
    req.acrValues === undefined ? base?.acrValues : scopeList(req.acrValues, `${prefix}.acrValues`);
  let maxAge = base?.maxAge;
  if (req.maxAge !== undefined) {
    if (typeof req.maxAge !== 'number' || !Number.isFinite(req.maxAge) || req.maxAge < 0) {
      throw new TypeError(`tokenguard: "${prefix}.maxAge" must be a number of seconds >= 0`);
    }
    maxAge = req.maxAge;
  }
  for (const flag of ['introspect', 'optional'] as const) {
    if (req[flag] !== undefined && typeof req[flag] !== 'boolean') {
      throw new TypeError(`tokenguard: "${prefix}.${flag}" must be a boolean`);
    }
  }
  return Object.freeze({
    scopes: base ? [...new Set([...base.scopes, ...scopes])] : scopes,
    anyScopes: anyScopes.length > 0 ? anyScopes : (base?.anyScopes ?? []),
    claims: base ? [...base.claims, ...claims] : claims,
    acrValues: acrValues?.length ? acrValues : undefined,
    maxAge,
    introspect: req.introspect ?? base?.introspect ?? false,
    optional: req.optional ?? base?.optional ?? false,
  });
}

/**
 * Checks an authenticated token against requirements: scopes (403 `insufficient_scope` with the
 * required scopes in the challenge), claim rules (403), then step-up (401
 * `insufficient_user_authentication`, RFC 9470).
 */
export function authorize(
  requirements: CompiledRequirements,
  scopes: ReadonlySet<string>,
  claims: JsonObject,
  nowSeconds: number,
): void {
  for (const scope of requirements.scopes) {
    if (!scopes.has(scope)) {
      throw new InsufficientScopeError('authz.scope_missing', requirements.scopes);
    }
  }
  if (requirements.anyScopes.length > 0 && !requirements.anyScopes.some((s) => scopes.has(s))) {
    throw new InsufficientScopeError('authz.scope_missing', requirements.anyScopes);
  }
  if (requirements.claims.length > 0 && !claimsSatisfy(requirements.claims, claims)) {
    throw new InsufficientScopeError(
      'authz.claims',
      [],
      'The access token is not authorized for this resource',
    );
  }
  const { acrValues, maxAge } = requirements;
  if (acrValues !== undefined) {
    const acr = own(claims, 'acr');
    if (typeof acr !== 'string' || !acrValues.includes(acr)) {
      throw new InsufficientUserAuthenticationError('authz.acr', acrValues, maxAge);
    }
  }
  if (maxAge !== undefined) {
    const authTime = own(claims, 'auth_time');
    if (
      typeof authTime !== 'number' ||
      !Number.isFinite(authTime) ||
      nowSeconds - authTime > maxAge
    ) {
      throw new InsufficientUserAuthenticationError('authz.max_age', acrValues, maxAge);
    }
  }
}
