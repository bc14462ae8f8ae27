import { Reflector } from '@nestjs/core';
import { validateRequirements } from '@tokenguard/core';
import { ANY_SCOPES_KEY, SCOPES_KEY } from './constants.js';

/** @internal The metadata `@Scopes()` sets, read by the guard. */
export const ScopesMetadata = Reflector.createDecorator<readonly string[]>({ key: SCOPES_KEY });

/** @internal The metadata `@AnyScopes()` sets, read by the guard. */
export const AnyScopesMetadata = Reflector.createDecorator<readonly string[]>({
  key: ANY_SCOPES_KEY,
});

// Checked when the decorator is applied, that is when the controller class is defined: a typo is
// a TypeError at startup, never an error on the request path.
function scopeList(name: string, key: 'scopes' | 'anyScopes', scopes: string[]): readonly string[] {
  if (scopes.length === 0) throw new TypeError(`tokenguard: ${name} needs at least one scope`);
  validateRequirements({ [key]: scopes }, name);
  return Object.freeze([...scopes]);
}

/**
 * Requires every one of these scopes (RFC 6749 §3.3) of the access token. A token without one of
 * them gets 403 `insufficient_scope` with all of them in the challenge's `scope`; the check is
 * core's. On a controller and on a handler, the scopes add up: the handler needs both lists.
 * Scope strings are validated here (a `TypeError` for an empty list, a space or a quote).
 *
 * It does NOT authenticate by itself: `TokenGuard` must run for the route (`@UseGuards(TokenGuard)`
 * or `TokenGuardModule.forRoot({ global: true })`).
 *
 * @example
 * ```ts
 * @UseGuards(TokenGuard)
 * @Scopes('orders:read')
 * @Controller('orders')
 * export class OrdersController {
 *   @Get()
 *   list() {} // orders:read
 *
 *   @Scopes('orders:write')
 *   @Post()
 *   create() {} // orders:read and orders:write
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function Scopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  return ScopesMetadata(scopeList('@Scopes()', 'scopes', scopes));
}

/**
 * Requires at least one of these scopes. None of them → 403 `insufficient_scope` naming all of
 * them. On a controller and on a handler, each list stays its own "one of" group and both must be
 * met (so does a module-level `anyScopes`); a handler's list never replaces the controller's. It
 * applies on top of `@Scopes()`.
 *
 * @example
 * ```ts
 * @AnyScopes('admin', 'orders:admin')
 * @Delete(':id')
 * remove(@Param('id') id: string) {}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function AnyScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  return AnyScopesMetadata(scopeList('@AnyScopes()', 'anyScopes', scopes));
}
