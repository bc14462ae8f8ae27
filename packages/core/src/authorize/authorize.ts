import {
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  MissingTokenError,
  withDetails,
} from '../errors.js';
import { excerpt } from '../lib/excerpt.js';
import { type JsonObject, own } from '../lib/json.js';
import {
  type CompiledClaimRule,
  claimsSatisfy,
  compileClaimRules,
  failingClaimRule,
} from './claims.js';
import { mergeLevels } from './compose.js';
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
 * A guard's requirement sets, validated and compiled once each (by object identity), with the
 * guard's own level as the outermost one of every set.
 */
export class RequirementsCompiler {
  readonly #compiled = new WeakMap<AuthRequirements, CompiledRequirements>();
  readonly #guardLevel: RequirementLevel;
  readonly #canIntrospect: boolean;

  constructor(guardLevel: RequirementLevel, canIntrospect: boolean) {
    this.#guardLevel = guardLevel;
    this.#canIntrospect = canIntrospect;
  }

  /** The compiled set; a `TypeError` naming `name` for a mistake. */
  compile(requirements: AuthRequirements, name = 'requirements'): CompiledRequirements {
    let compiled = this.#compiled.get(requirements);
    if (compiled === undefined) {
      compiled = compileLevel(
        mergeLevels([this.#guardLevel, readRequirements(requirements, name)]),
      );
      if (compiled.introspect && !this.#canIntrospect) {
        throw new TypeError(
          `tokenguard: "${name}.introspect: true" needs the "introspection" option`,
        );
      }
      this.#compiled.set(requirements, compiled);
    }
    return compiled;
  }
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
  // Indexed loops: the lists are frozen, and for-of over a frozen array allocates an iterator
  // on every request; so would a closure for `some`.
  const required = requirements.scopes;
  for (let i = 0; i < required.length; i++) {
    if (!scopes.has(required[i] as string)) throw missingScope(required, scopes);
  }
  const groups = requirements.anyScopes;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as readonly string[];
    if (!hasAny(scopes, group)) throw missingScope(group, scopes);
  }
  if (requirements.claims.length > 0 && !claimsSatisfy(requirements.claims, claims)) {
    const error = new InsufficientScopeError(
      'authz.claims',
      [],
      'The access token is not authorized for this resource',
    );
    const failed = failingClaimRule(requirements.claims, claims);
    throw failed === undefined ? error : withDetails(error, failed);
  }
  const { acrValues, maxAge } = requirements;
  if (acrValues !== undefined) {
    const acr = own(claims, 'acr');
    if (typeof acr !== 'string' || !acrValues.includes(acr)) {
      throw withDetails(new InsufficientUserAuthenticationError('authz.acr', acrValues, maxAge), {
        field: 'acr',
        expected: acrValues,
        actual: excerpt(acr),
      });
    }
  }
  if (maxAge !== undefined) {
    const authTime = own(claims, 'auth_time');
    if (
      typeof authTime !== 'number' ||
      !Number.isFinite(authTime) ||
      nowSeconds - authTime > maxAge
    ) {
      throw withDetails(
        new InsufficientUserAuthenticationError('authz.max_age', acrValues, maxAge),
        {
          field: 'auth_time',
          expected: maxAge,
          actual: excerpt(authTime),
          now: Math.floor(nowSeconds),
        },
      );
    }
  }
}

function hasAny(scopes: ReadonlySet<string>, group: readonly string[]): boolean {
  for (let i = 0; i < group.length; i++) if (scopes.has(group[i] as string)) return true;
  return false;
}

/** 403 naming the scopes required, with the scopes the token was granted in its details. */
function missingScope(
  required: readonly string[],
  granted: ReadonlySet<string>,
): InsufficientScopeError {
  return withDetails(new InsufficientScopeError('authz.scope_missing', required), {
    field: 'scope',
    expected: required,
    actual: excerpt([...granted]),
  });
}

/**
 * Checks requirements on a principal a guard verified before (an adapter's second level):
 * `undefined` (an anonymous request) passes only `optional` requirements, else it is the bare
 * 401.
 */
export function authorizePrincipal(
  requirements: CompiledRequirements,
  auth: { readonly scopes: ReadonlySet<string>; readonly claims: object } | undefined,
  nowSeconds: number,
): void {
  if (auth === undefined) {
    if (requirements.optional) return;
    throw new MissingTokenError('authz.not_authenticated');
  }
  authorize(requirements, auth.scopes, auth.claims as JsonObject, nowSeconds);
}
