import type { AuthContext } from '@tokenguard/core';
import Fastify from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { type AuthClaims, type AuthHook, tokenGuard } from '../src/index.js';

declare module '../src/index.js' {
  interface AuthClaims {
    tenant?: string;
  }
}

describe('types', () => {
  it('request.auth is typed, with custom claims', () => {
    const app = Fastify();
    app.register(tokenGuard, { issuer: 'https://a.example/', audience: 'x', global: true });
    app.get('/x', { config: { scopes: ['a'], public: false } }, async (request) => {
      expectTypeOf(request.auth).toEqualTypeOf<AuthContext<AuthClaims> | null>();
      expectTypeOf(request.auth!.claims.tenant).toEqualTypeOf<string | undefined>();
      return 'ok';
    });
  });

  it('app.requireToken and optionalToken return hooks', () => {
    const app = Fastify();
    expectTypeOf(app.requireToken({ scopes: ['a'] })).toEqualTypeOf<AuthHook>();
    expectTypeOf(app.optionalToken()).toEqualTypeOf<AuthHook>();
    // @ts-expect-error optional is not a route requirement; use optionalToken()
    app.requireToken({ optional: true });
    // @ts-expect-error scopes are strings
    app.get('/y', { config: { scopes: [1] } }, async () => 'ok');
  });

  it("route config refuses misspelled tokenguard keys, and takes the application's own", () => {
    const app = Fastify();
    // @ts-expect-error `scope` is a misspelling of `scopes`
    app.get('/a', { config: { scope: ['orders:write'] } }, async () => 'ok');
    // @ts-expect-error `anyScope` is a misspelling of `anyScopes`
    app.get('/b', { config: { anyScope: ['admin'] } }, async () => 'ok');
    // @ts-expect-error `max_age` is a misspelling of `maxAge`
    app.get('/c', { config: { max_age: 60 } }, async () => 'ok');
    // @ts-expect-error `acr_values` is a misspelling of `acrValues`
    app.get('/d', { config: { acr_values: ['mfa'] } }, async () => 'ok');
    // @ts-expect-error `claim` is a misspelling of `claims`
    app.get('/e', { config: { claim: { tenant: { equals: 'acme' } } } }, async () => 'ok');
    app.get('/f', { config: { rateLimit: { max: 5 }, scopes: ['orders:read'] } }, async () => 'ok');
    // @ts-expect-error `scope` is a misspelling of `scopes`
    app.requireToken({ scope: ['orders:write'] });
  });
});
