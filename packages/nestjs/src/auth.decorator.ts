import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { requestState } from '@tokenguard/core/adapter';

const AuthParam = createParamDecorator((claim: string | undefined, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<object>();
  const decision = requestState(request);
  if (decision === undefined) {
    // Answering `undefined` here would make a forgotten guard look like an anonymous request.
    throw new Error(
      'tokenguard: @Auth() is used on a handler TokenGuard did not run for; add @UseGuards(TokenGuard) or TokenGuardModule.forRoot({ global: true })',
    );
  }
  const auth = decision.auth;
  return claim === undefined ? auth : auth?.claims[claim];
});

/**
 * Injects the verified principal of the request: core's `AuthContext` (`subject`,
 * `principalId`, `scopes`, `claims`, …), or with a claim name, that claim's value
 * (`@Auth('tenant')`). `undefined` on a `@Public()` route and for an anonymous request to an
 * `@OptionalAuth()` route.
 *
 * It reads what `TokenGuard` decided for this request, never a header: on a handler the guard
 * did not run for, it throws (a 500), so a forgotten guard cannot pass for an anonymous caller.
 * The parameter's type is yours to declare (`AuthContext<MyClaims>`); Nest does not check it.
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@Auth() auth: AuthContext, @Auth('tenant') tenant: string | undefined) {
 *   return { principal: auth.principalId, scopes: [...auth.scopes], tenant };
 * }
 * ```
 */
export function Auth(claim?: string): ParameterDecorator {
  if (claim !== undefined && (typeof claim !== 'string' || claim === '')) {
    throw new TypeError('tokenguard: @Auth() takes a claim name (a non-empty string) or nothing');
  }
  return AuthParam(claim);
}
