import { Reflector } from '@nestjs/core';
import { type ClaimRules, validateRequirements } from '@tokenguard/core';
import { CLAIMS_KEY } from './constants.js';

/** @internal The metadata `@Claims()` sets, read by the guard. */
export const ClaimsMetadata = Reflector.createDecorator<ClaimRules>({ key: CLAIMS_KEY });

/**
 * Requires claim rules (core's format: `equals`, `oneOf`, `includes`, `exists`, or a predicate
 * `(value, claims) => boolean`). A failing rule is authorization, not validity: 403
 * `insufficient_scope`; the check is core's. On a controller and on a handler the rules add up:
 * every rule holds, two rules for the same claim included (a handler cannot loosen the
 * controller's). Rules are validated here (a `TypeError` naming the claim).
 *
 * @example
 * ```ts
 * @Claims({ tenant: { equals: 'acme' }, email_verified: { equals: true } })
 * @Get('tenants/acme')
 * acme() {}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function Claims(rules: ClaimRules): ClassDecorator & MethodDecorator {
  if (typeof rules !== 'object' || rules === null || Object.keys(rules).length === 0) {
    throw new TypeError('tokenguard: @Claims() needs an object with at least one claim rule');
  }
  validateRequirements({ claims: rules }, '@Claims()');
  return ClaimsMetadata(Object.freeze({ ...rules }));
}
