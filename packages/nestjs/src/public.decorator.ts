import { Reflector } from '@nestjs/core';
import { ACCESS_KEY } from './constants.js';

/** @internal How a route is protected, when a decorator says so: `public` or `optional`. */
export type Access = 'public' | 'optional';

/** @internal The metadata `@Public()` and `@OptionalAuth()` set, read by the guard. */
export const AccessMetadata = Reflector.createDecorator<Access>({ key: ACCESS_KEY });

/**
 * Marks a handler (or every handler of a controller) as public: `TokenGuard` lets every request
 * through without looking at its credentials, and `@Auth()` is `undefined`. Use it with a global
 * guard (`TokenGuardModule.forRoot({ global: true })`) for health checks and public pages.
 *
 * On a controller it applies to the handlers that say nothing about authentication themselves: a
 * handler with its own `@Scopes()`, `@AnyScopes()` or `@Claims()` stays protected, and a
 * handler's `@OptionalAuth()` wins over the controller's `@Public()`.
 *
 * @example
 * ```ts
 * @Controller()
 * export class HealthController {
 *   @Public()
 *   @Get('health')
 *   health() {
 *     return { status: 'ok' };
 *   }
 * }
 * ```
 */
export function Public(): ClassDecorator & MethodDecorator {
  return AccessMetadata('public');
}

/**
 * Lets requests without credentials through as anonymous (`@Auth()` is `undefined`), while
 * credentials that are there must still be valid: a bad, expired or malformed token is rejected
 * exactly as on a protected route. Requirements (`@Scopes()`, …) on the same handler apply only
 * to authenticated requests.
 *
 * On a controller it applies to the handlers that say nothing about authentication themselves, as
 * `@Public()` does.
 *
 * @example
 * ```ts
 * @OptionalAuth()
 * @Get('products')
 * products(@Auth() auth: AuthContext | undefined) {
 *   return auth ? this.catalog.for(auth.principalId) : this.catalog.public();
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function OptionalAuth(): ClassDecorator & MethodDecorator {
  return AccessMetadata('optional');
}
