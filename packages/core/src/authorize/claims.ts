import type { DetailValue, RejectionDetails } from '../errors.js';
import { excerpt } from '../lib/excerpt.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';

/** A JSON primitive a claim can be compared with. */
export type ClaimPrimitive = string | number | boolean | null;

/**
 * A rule for one claim:
 * - `{ equals: v }`: the claim is exactly `v` (`===`);
 * - `{ oneOf: [a, b] }`: the claim is one of the values;
 * - `{ includes: v }`: the claim is an array containing `v`, or a space-delimited string
 *   containing the word `v`;
 * - `{ exists: true | false }`: the claim is present (or absent);
 * - a predicate `(value, claims) => boolean`, for anything else.
 *
 * @example
 * ```ts
 * claims: {
 *   tenant: { equals: 'acme' },
 *   roles: { includes: 'admin' },
 *   email_verified: (value) => value === true,
 * }
 * ```
 */
export type ClaimRule =
  | { equals: ClaimPrimitive }
  | { oneOf: readonly ClaimPrimitive[] }
  | { includes: string | number | boolean }
  | { exists: boolean }
  | ((value: unknown, claims: Readonly<Record<string, unknown>>) => boolean);

/** Claim rules by claim name. */
export type ClaimRules = Readonly<Record<string, ClaimRule>>;

/** A validated rule, ready to test. */
export type CompiledClaimRule = (claims: JsonObject) => boolean;

/** What each compiled rule checks, for the details of a rejection (read only then). */
const FACTS = new WeakMap<CompiledClaimRule, { claim: string; expected: DetailValue }>();

function expectedOf(rule: Record<string, unknown>): DetailValue {
  const shown = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : String(v));
  if ('equals' in rule) return shown(rule.equals);
  if ('oneOf' in rule) return (rule.oneOf as unknown[]).slice(0, 20).map(shown);
  if ('includes' in rule) return `includes ${String(rule.includes)}`;
  return rule.exists === true ? 'present' : 'absent';
}

function isPrimitive(value: unknown): value is ClaimPrimitive {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Validates claim rules at construction (a `TypeError` naming the option) and compiles them into
 * predicates. Claims are read as own properties only.
 */
export function compileClaimRules(rules: unknown, optionName: string): CompiledClaimRule[] {
  if (rules === undefined) return [];
  if (!isJsonObject(rules)) {
    throw new TypeError(`tokenguard: "${optionName}" must be an object of claim rules`);
  }
  const compiled: CompiledClaimRule[] = [];
  for (const name of Object.keys(rules)) {
    const rule = rules[name];
    const where = `${optionName}.${name}`;
    if (typeof rule === 'function') {
      const predicate = rule as (value: unknown, claims: JsonObject) => unknown;
      const test: CompiledClaimRule = (claims) => predicate(own(claims, name), claims) === true;
      FACTS.set(test, { claim: name, expected: 'a custom rule' });
      compiled.push(test);
      continue;
    }
    if (!isJsonObject(rule) || Object.keys(rule).length !== 1) {
      throw new TypeError(
        `tokenguard: "${where}" must be a function or one of { equals }, { oneOf }, { includes }, { exists }`,
      );
    }
    if ('equals' in rule) {
      const expected = rule.equals;
      if (!isPrimitive(expected)) {
        throw new TypeError(
          `tokenguard: "${where}.equals" must be a string, number, boolean or null`,
        );
      }
      compiled.push((claims) => own(claims, name) === expected);
    } else if ('oneOf' in rule) {
      const values = rule.oneOf;
      if (!Array.isArray(values) || values.length === 0 || !values.every(isPrimitive)) {
        throw new TypeError(`tokenguard: "${where}.oneOf" must be a non-empty array of primitives`);
      }
      const allowed = new Set<unknown>(values);
      compiled.push((claims) => {
        const value = own(claims, name);
        return isPrimitive(value) && allowed.has(value);
      });
    } else if ('includes' in rule) {
      const needle = rule.includes;
      if (typeof needle !== 'string' && typeof needle !== 'number' && typeof needle !== 'boolean') {
        throw new TypeError(`tokenguard: "${where}.includes" must be a string, number or boolean`);
      }
      compiled.push((claims) => {
        const value = own(claims, name);
        if (Array.isArray(value)) return value.includes(needle);
        if (typeof value === 'string' && typeof needle === 'string') {
          return value.split(' ').includes(needle);
        }
        return false;
      });
    } else if ('exists' in rule) {
      const exists = rule.exists;
      if (typeof exists !== 'boolean') {
        throw new TypeError(`tokenguard: "${where}.exists" must be a boolean`);
      }
      compiled.push((claims) => Object.hasOwn(claims, name) === exists);
    } else {
      throw new TypeError(
        `tokenguard: "${where}" must be a function or one of { equals }, { oneOf }, { includes }, { exists }`,
      );
    }
    FACTS.set(compiled[compiled.length - 1] as CompiledClaimRule, {
      claim: name,
      expected: expectedOf(rule),
    });
  }
  return compiled;
}

/**
 * The details of the first rule that does not hold (its claim, what it expects, an excerpt of
 * the claim's value), for a rejection; `undefined` when every rule holds.
 */
export function failingClaimRule(
  rules: readonly CompiledClaimRule[],
  claims: JsonObject,
): RejectionDetails | undefined {
  for (const rule of rules) {
    if (claimsSatisfy([rule], claims)) continue;
    const facts = FACTS.get(rule);
    if (facts === undefined) return undefined;
    return {
      field: facts.claim,
      expected: facts.expected,
      actual: excerpt(own(claims, facts.claim)),
    };
  }
  return undefined;
}

/** Whether every rule holds. A predicate that throws counts as not holding. */
export function claimsSatisfy(rules: readonly CompiledClaimRule[], claims: JsonObject): boolean {
  for (const rule of rules) {
    try {
      if (!rule(claims)) return false;
    } catch {
      return false;
    }
  }
  return true;
}
