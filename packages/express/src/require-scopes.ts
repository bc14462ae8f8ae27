import {
  type AuthRequirements,
  type ClaimRules,
  isAuthError,
  validateRequirements,
} from '@tokenguard/core';
import { authorizeRequest, requestState } from '@tokenguard/core/adapter';
import { forwardsRejections, sendAuthError } from './lib/send-auth-error.js';
import type { AuthMiddleware } from './types.js';

let warned = false;

// No requireToken()/optionalToken() ran before: core answers 401 with a bare challenge. Say why
// once, since it is a mistake in the application's middleware order.
function warnNotAuthenticated(name: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `${name}() ran before requireToken() or optionalToken(); the request is answered 401`,
    { code: 'TOKENGUARD_NOT_AUTHENTICATED' },
  );
}

/**
 * Checks requirements on a request that `requireToken()` or `optionalToken()` already
 * authenticated. The decision is core's: `authorizeRequest()` checks the principal the guard
 * resolved, without authenticating again (a DPoP proof is single-use, so that would be a replay).
 */
function authorizeWith(name: string, requirements: Readonly<AuthRequirements>): AuthMiddleware {
  validateRequirements(requirements, name);
  return (req, res, next) => {
    if (requestState(req) === undefined) warnNotAuthenticated(name);
    try {
      authorizeRequest(req, requirements);
    } catch (error) {
      // Answered as the requireToken() before it answers: here, unless it forwards.
      if (isAuthError(error) && !forwardsRejections(req) && !res.headersSent) {
        sendAuthError(res, error);
      } else next(error);
      return;
    }
    next();
  };
}

function scopeList(name: string, scopes: readonly string[]): readonly string[] {
  if (scopes.length === 0) throw new TypeError(`tokenguard: ${name}() needs at least one scope`);
  return Object.freeze([...scopes]);
}

/**
 * Requires every one of these scopes, after `requireToken()` (for example a global
 * `app.use(requireToken())`). A missing scope is a 403 `insufficient_scope` naming the required
 * scopes; a request that no `requireToken()` authenticated (or an anonymous one after
 * `optionalToken()`) is a 401. Scopes are validated at construction (`TypeError`). Works for
 * DPoP requests too: the principal is checked, the request is not authenticated again.
 *
 * @example
 * ```ts
 * app.use(requireToken());
 * app.post('/orders', requireScopes('orders:write'), createOrder);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): AuthMiddleware {
  return authorizeWith(
    'requireScopes',
    Object.freeze({ scopes: scopeList('requireScopes', scopes) }),
  );
}

/**
 * Requires at least one of these scopes, after `requireToken()`. None of them → 403
 * `insufficient_scope` with all of them in the challenge's `scope`.
 *
 * @example
 * ```ts
 * app.use(requireToken());
 * app.delete('/orders/:id', requireAnyScope('admin', 'orders:admin'), deleteOrder);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireAnyScope(...scopes: string[]): AuthMiddleware {
  return authorizeWith(
    'requireAnyScope',
    Object.freeze({ anyScopes: scopeList('requireAnyScope', scopes) }),
  );
}

/**
 * Requires claim rules (core's format: `equals`, `oneOf`, `includes`, `exists`, or a predicate)
 * after `requireToken()`. A failing rule is authorization, not validity: 403
 * `insufficient_scope`. Rules are validated at construction (`TypeError` naming the claim).
 *
 * @example
 * ```ts
 * app.use(requireToken());
 * app.get('/tenants/acme', requireClaims({ tenant: { equals: 'acme' } }), showTenant);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireClaims(rules: ClaimRules): AuthMiddleware {
  if (typeof rules !== 'object' || rules === null || Object.keys(rules).length === 0) {
    throw new TypeError('tokenguard: requireClaims() needs an object with at least one claim rule');
  }
  return authorizeWith('requireClaims', Object.freeze({ claims: rules }));
}
