import type { AuthContext, TokenGuard } from '@tokenguard/core';
import { Hono, type MiddlewareHandler } from 'hono';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthClaims,
  type OptionalTokenEnv,
  optionalToken,
  requireScopes,
  type TokenGuardEnv,
  tokenGuard,
} from '../src/index.js';

declare module '../src/index.js' {
  interface AuthClaims {
    tenant?: string;
  }
}
declare const guard: TokenGuard;

describe('types', () => {
  it("c.get('auth') is typed through Variables, with custom claims", () => {
    const app = new Hono();
    app.get('/orders', tokenGuard(guard, { scopes: ['a'] }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<AuthContext<AuthClaims>>();
      expectTypeOf(c.var.auth.claims.tenant).toEqualTypeOf<string | undefined>();
      return c.json({});
    });
    app.get('/feed', optionalToken(guard), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<AuthContext<AuthClaims> | undefined>();
      return c.json({});
    });
  });

  it('middlewares carry their Env', () => {
    expectTypeOf(tokenGuard(guard)).toEqualTypeOf<MiddlewareHandler<TokenGuardEnv>>();
    expectTypeOf(optionalToken(guard)).toEqualTypeOf<MiddlewareHandler<OptionalTokenEnv>>();
    expectTypeOf(requireScopes('a')).toEqualTypeOf<MiddlewareHandler<TokenGuardEnv>>();
    const app = new Hono<TokenGuardEnv>();
    app.use(tokenGuard(guard));
    app.get('/me', (c) => c.json({ id: c.var.auth.principalId }));
  });

  it('refuses what is no requirement', () => {
    // @ts-expect-error optional is not a route requirement; use optionalToken()
    tokenGuard({ optional: true });
    // @ts-expect-error scopes are strings
    tokenGuard(guard, { scopes: [1] });
  });
});
