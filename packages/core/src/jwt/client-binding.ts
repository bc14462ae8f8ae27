import { InvalidTokenError, withDetails } from '../errors.js';
import { excerpt, listed } from '../lib/excerpt.js';
import { isJsonObject, type JsonObject, own } from '../lib/json.js';
import { fail, list } from '../lib/validate.js';

/**
 * What binds an access token without `aud` to this API instead, for authorization servers whose
 * access tokens carry none (Amazon Cognito): the token's client id must be one of `clientIds`,
 * and each claim of `claims` must have exactly its value (Cognito: `{ token_use: 'access' }`,
 * which an ID token of the same client does not have). It is never "any audience": `clientIds`
 * is required and not empty. Tokens that do carry `aud` are checked against `audience` as usual.
 *
 * @example
 * ```ts
 * clientBinding: { clientIds: ['4bpqi8dv1ovqk2v4fsmo2nbhs1'], claims: { token_use: 'access' } }
 * ```
 */
export interface ClientBinding {
  /** The client ids (app clients) whose tokens this API accepts without `aud`. */
  clientIds: readonly string[];
  /** Claims such a token must carry with exactly these values. */
  claims?: Readonly<Record<string, string>>;
}

/** A client binding, validated. */
export interface ResolvedClientBinding {
  readonly clientIds: ReadonlySet<string>;
  readonly claims: readonly (readonly [string, string])[];
}

// Binding claim names appear in rejection reasons (`jwt.aud_binding.<claim>`): keep them plain.
const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Validates `clientBinding` (a `TypeError` naming the option). */
export function resolveClientBinding(value: unknown): ResolvedClientBinding | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) fail('"clientBinding" must be an object { clientIds, claims? }');
  const binding = value as { clientIds?: unknown; claims?: unknown };
  const clientIds = list(binding.clientIds, 'clientBinding.clientIds');
  if (clientIds.length === 0) {
    fail(
      '"clientBinding.clientIds" is required: the client ids whose tokens are accepted without "aud" (never any client)',
    );
  }
  const claims: Array<readonly [string, string]> = [];
  if (binding.claims !== undefined) {
    if (!isJsonObject(binding.claims)) {
      fail('"clientBinding.claims" must be an object of claim names to string values');
    }
    for (const [name, expected] of Object.entries(binding.claims)) {
      if (!CLAIM_NAME.test(name) || typeof expected !== 'string') {
        fail(
          `"clientBinding.claims.${name}" must be a string value of a claim named with letters, digits, "_", ".", ":" or "-"`,
        );
      }
      claims.push(Object.freeze([name, expected as string] as const));
    }
  }
  return Object.freeze({ clientIds: new Set(clientIds), claims: Object.freeze(claims) });
}

/**
 * Checks a token without `aud` against the client binding: without one, the token is not meant
 * for any API we can tell (`jwt.aud_missing`); with one, its client id must be allowed
 * (`jwt.aud_binding.client_id_missing`, `jwt.aud_binding.client_id`) and each binding claim must have its
 * value (`jwt.aud_binding.<claim>`). The reasons name the binding that was checked.
 */
export function checkClientBinding(
  claims: JsonObject,
  clientId: string | undefined,
  binding: ResolvedClientBinding | undefined,
): void {
  if (binding === undefined) throw new InvalidTokenError('jwt.aud_missing');
  const clientIds = listed(binding.clientIds);
  if (clientId === undefined) {
    throw withDetails(new InvalidTokenError('jwt.aud_binding.client_id_missing'), {
      field: 'client_id',
      expected: clientIds,
      actual: null,
    });
  }
  if (!binding.clientIds.has(clientId)) {
    throw withDetails(new InvalidTokenError('jwt.aud_binding.client_id'), {
      field: 'client_id',
      expected: clientIds,
      actual: excerpt(clientId),
    });
  }
  for (const [name, expected] of binding.claims) {
    const actual = own(claims, name);
    if (actual !== expected) {
      throw withDetails(new InvalidTokenError(`jwt.aud_binding.${name}`), {
        field: name,
        expected,
        actual: excerpt(actual),
      });
    }
  }
}
