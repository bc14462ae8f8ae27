import {
  type AuthRequirements,
  type ClaimRules,
  isAuthError,
  validateRequirements,
} from '@tokenguard/core';
import { authorizeRequest, requestState } from '@tokenguard/core/adapter';
import type { MiddlewareHandler } from 'hono';
import { rejection } from './lib/errors.js';
import { stateKey } from './request.js';
import type { TokenGuardEnv } from './types.js';

let warned = false;

// No tokenGuard()/optionalToken() ran before: core answers 401 with a bare challenge. Say why
// once, since it is a mistake in the application's middleware order.
function warnNotAuthenticated(name: string): void {
  if (warned) return;
  warned = true;
  const message = `${name}() ran before tokenGuard() or optionalToken(); the request is answered 401`;
  const process = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } })
    .process;
  if (typeof process?.emitWarning === 'function') {
    process.emitWarning(message, { code: 'TOKENGUARD_NOT_AUTHENTICATED' });
  } else {
    console.warn(`tokenguard: ${message}`);
  }
}

/**
 * Checks requirements on a request `tokenGuard()` or `optionalToken()` already authenticated.
 * The decision is core's (`authorizeRequest()`): the principal the guard resolved is checked,
 * the request is not authenticated again (a DPoP proof is single-use).
 */
function authorizeWith(
  name: string,
  requirements: Readonly<AuthRequirements>,
): MiddlewareHandler<TokenGuardEnv> {
  validateRequirements(requirements, name);
  return async (c, next) => {
    const request = stateKey(c);
    if (requestState(request) === undefined) warnNotAuthenticated(name);
    try {
      authorizeRequest(request, requirements);
    } catch (error) {
      if (isAuthError(error)) throw rejection(error);
      throw error;
    }
    await next();
  };
}

function scopeList(name: string, scopes: readonly string[]): readonly string[] {
  if (scopes.length === 0) throw new TypeError(`tokenguard: ${name}() needs at least one scope`);
  return Object.freeze([...scopes]);
}

/**
 * Requires every one of these scopes, after `tokenGuard()` (for example
 * `app.use('/api/*', tokenGuard())`). A missing scope is a 403 `insufficient_scope` naming the
 * required scopes; a request that no `tokenGuard()` authenticated (or an anonymous one after
 * `optionalToken()`) is a 401. Scopes are validated at construction (`TypeError`).
 *
 * @example
 * ```ts
 * app.use('/api/*', tokenGuard());
 * app.post('/api/orders', requireScopes('orders:write'), createOrder);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): MiddlewareHandler<TokenGuardEnv> {
  return authorizeWith(
    'requireScopes',
    Object.freeze({ scopes: scopeList('requireScopes', scopes) }),
  );
}

/**
 * Requires at least one of these scopes, after `tokenGuard()`. None of them → 403
 * `insufficient_scope` with all of them in the challenge's `scope`.
 *
 * @example
 * ```ts
 * app.delete('/api/orders/:id', requireAnyScope('admin', 'orders:admin'), deleteOrder);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireAnyScope(...scopes: string[]): MiddlewareHandler<TokenGuardEnv> {
  return authorizeWith(
    'requireAnyScope',
    Object.freeze({ anyScopes: scopeList('requireAnyScope', scopes) }),
  );
}

/**
 * Requires claim rules (core's format: `equals`, `oneOf`, `includes`, `exists`, or a predicate)
 * after `tokenGuard()`. A failing rule is authorization, not validity: 403 `insufficient_scope`.
 * Rules are validated at construction (`TypeError` naming the claim).
 *
 * @example
 * ```ts
 * app.get('/api/tenants/acme', requireClaims({ tenant: { equals: 'acme' } }), showTenant);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireClaims(rules: ClaimRules): MiddlewareHandler<TokenGuardEnv> {
  if (typeof rules !== 'object' || rules === null || Object.keys(rules).length === 0) {
    throw new TypeError('tokenguard: requireClaims() needs an object with at least one claim rule');
  }
  return authorizeWith('requireClaims', Object.freeze({ claims: rules }));
}
