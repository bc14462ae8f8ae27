import {
  type AccessTokenClaims,
  type AuthContext,
  createTokenGuard,
  type TokenGuard,
} from '@tokenguard/core';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthClaims,
  type AuthMiddleware,
  authErrorHandler,
  type GuardOptions,
  optionalToken,
  protectedResourceMetadata,
  type RouteRequirements,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
  warmUp,
} from '../src/index.js';

// A claim the application declares, as users do with
// `declare module '@tokenguard/express' { interface AuthClaims { … } }`.
declare module '../src/index.js' {
  interface AuthClaims {
    tenant: string;
  }
}

declare const guard: TokenGuard;

describe('req.auth', () => {
  it('is the AuthContext of the declared claims, or undefined', () => {
    express().get('/orders', requireToken(), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AuthContext<AuthClaims> | undefined>();
      expectTypeOf(req.auth?.scopes).toEqualTypeOf<ReadonlySet<string> | undefined>();
      expectTypeOf(req.auth?.principalId).toEqualTypeOf<string | undefined>();
      expectTypeOf(req.auth!.claims.tenant).toEqualTypeOf<string>();
      expectTypeOf(req.auth!.claims.sub).toEqualTypeOf<string | undefined>();
      expectTypeOf(req.auth!.claims.anything).toEqualTypeOf<unknown>();
      // @ts-expect-error: claims are read-only
      req.auth!.claims.tenant = 'other';
      res.json({ tenant: req.auth?.claims.tenant });
    });
  });

  it('keeps route parameters typed behind the middlewares', () => {
    express().get('/orders/:id', requireToken(guard), requireScopes('orders:read'), (req, res) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      expectTypeOf(req.auth).toEqualTypeOf<AuthContext<AuthClaims> | undefined>();
      res.end();
    });
  });

  it('extends the standard access-token claims', () => {
    expectTypeOf<AuthClaims>().toExtend<AccessTokenClaims>();
  });
});

describe('middleware signatures', () => {
  it('every factory returns a middleware Express accepts', () => {
    expectTypeOf(requireToken()).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(
      requireToken({ issuer: 'https://a', audience: 'b' }),
    ).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(requireToken({ scopes: ['orders:read'] })).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(requireToken(guard)).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(requireToken(guard, { scopes: ['x'] })).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(optionalToken()).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(optionalToken(guard, { anyScopes: ['a', 'b'] })).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(requireScopes('a', 'b')).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(requireAnyScope('a')).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(requireClaims({ tenant: { equals: 'acme' } })).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(protectedResourceMetadata()).toEqualTypeOf<RequestHandler>();
    expectTypeOf(
      protectedResourceMetadata(guard, { scopesSupported: ['a'] }),
    ).toEqualTypeOf<RequestHandler>();
    expectTypeOf(authErrorHandler()).toEqualTypeOf<ErrorRequestHandler>();
    // Usable wherever Express's own type is expected.
    expectTypeOf<AuthMiddleware>().toExtend<RequestHandler>();
    const handlers: RequestHandler[] = [requireToken(guard), requireScopes('a')];
    expectTypeOf(handlers).toBeArray();
  });

  it('they mount on an app and on routes', () => {
    const app = express();
    app.use(protectedResourceMetadata(guard), requireToken(guard));
    app.get('/a', requireScopes('a'), requireClaims({ tenant: (value) => value === 'acme' }));
    app.use(authErrorHandler());
    expectTypeOf(app.use).toBeFunction();
  });

  it('accepts guards from createTokenGuard and their options', () => {
    const options = { issuer: 'https://a', audience: 'b', scopes: ['x'] } satisfies GuardOptions;
    expectTypeOf(createTokenGuard(options)).toEqualTypeOf<TokenGuard>();
    expectTypeOf(requireToken).toBeCallableWith(options);
    expectTypeOf(requireToken).toBeCallableWith({
      issuers: [{ issuer: 'https://a' }],
      audience: 'b',
    });
  });

  it('rejects mistakes at compile time', () => {
    // @ts-expect-error: guard options need an issuer
    requireToken({ audience: 'https://api.example.com' });
    // @ts-expect-error: optional is what optionalToken() is for
    requireToken(guard, { optional: true });
    // @ts-expect-error: scopes are separate arguments
    requireScopes(['a', 'b']);
    // @ts-expect-error: requirements come after a guard only
    requireToken({ scopes: ['a'] }, { scopes: ['b'] });
    // @ts-expect-error: not a claim rule
    requireClaims({ tenant: { equal: 'acme' } });
    expectTypeOf<RouteRequirements>().not.toHaveProperty('optional');
  });
});

describe('forwardErrors and warmUp', () => {
  it('takes forwardErrors in guard options and requirements, and warmUp a guard or middleware', () => {
    const guard: TokenGuard = createTokenGuard({ issuer: 'https://a.example/', audience: 'x' });
    expectTypeOf(
      requireToken({ issuer: 'https://a.example/', audience: 'x', forwardErrors: true }),
    ).toEqualTypeOf<AuthMiddleware>();
    expectTypeOf(
      requireToken(guard, { scopes: ['a'], forwardErrors: true }),
    ).toEqualTypeOf<AuthMiddleware>();
    // @ts-expect-error a boolean
    requireToken(guard, { forwardErrors: 'yes' });
    expectTypeOf(warmUp()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(warmUp(guard, 'warn')).toEqualTypeOf<Promise<void>>();
    expectTypeOf(warmUp(requireToken(guard))).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error not a mode
    warmUp(guard, 'maybe');
  });
});
