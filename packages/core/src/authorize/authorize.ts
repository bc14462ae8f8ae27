import { InsufficientScopeError, InsufficientUserAuthenticationError } from '../errors.js';
import { type JsonObject, own } from '../lib/json.js';
import { type CompiledClaimRule, claimsSatisfy, compileClaimRules } from './claims.js';
import { type AuthRequirements, type RequirementLevel, readRequirements } from './requirements.js';

/** Requirements validated once and ready to check. */
export interface CompiledRequirements {
  readonly scopes: readonly string[];
  /** Groups of which at least one scope each is required, outermost first. */
  readonly anyScopes: readonly (readonly string[])[];
  readonly claims: readonly CompiledClaimRule[];
  readonly acrValues: readonly string[] | undefined;
  readonly maxAge: number | undefined;
  readonly introspect: boolean;
  readonly optional: boolean;
}

/** Compiles a validated level into predicates, ready to check on every request. */
export function compileLevel(level: RequirementLevel): CompiledRequirements {
  return Object.freeze({
    scopes: level.scopes,
    anyScopes: level.anyScopes,
    claims: Object.freeze(
      level.claims.flatMap((rules) => compileClaimRules(rules, 'requirements.claims')),
    ),
    acrValues: level.acrValues,
    maxAge: level.maxAge,
    introspect: level.introspect === true,
    optional: level.optional === true,
  });
}

/** Validates one requirement set and compiles it (a `TypeError` naming the option). */
export function compileRequirements(
  input: AuthRequirements | undefined,
  name = 'requirements',
): CompiledRequirements {
  return compileLevel(readRequirements(input, name));
}

/**
 * Checks an authenticated token against requirements: scopes (403 `insufficient_scope` with the
 * required scopes in the challenge), each "one of" group (403 naming that group), claim rules
 * (403), then step-up (401 `insufficient_user_authentication`, RFC 9470).
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
  for (const group of requirements.anyScopes) {
    if (!group.some((s) => scopes.has(s))) {
      throw new InsufficientScopeError('authz.scope_missing', group);
    }
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
