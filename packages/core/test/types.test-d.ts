import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthContext,
  type AuthError,
  type AuthRequirements,
  composeRequirements,
  createTokenGuard,
  type EntraPresetOptions,
  type MemoryStoreOptions,
  type ProviderName,
  presets,
  type REQUIREMENT_KEYS,
  type RejectionDetails,
  type RevocationCheck,
  type StoreEvent,
  type StoreFullError,
  type TokenGuard,
  type TokenGuardOptions,
  type TokenRequest,
  type UpstreamError,
} from '../src/index.js';

declare const guard: TokenGuard;
declare const request: TokenRequest;

describe('public types', () => {
  it('composeRequirements takes and returns AuthRequirements; REQUIREMENT_KEYS are its keys', () => {
    expectTypeOf(composeRequirements()).toEqualTypeOf<AuthRequirements>();
    const composed = composeRequirements(
      { anyScopes: ['a', 'b'], claims: { tenant: { equals: 'acme' } } },
      undefined,
      { anyScopes: [['c'], ['d', 'e']], claims: [{ role: { equals: 'admin' } }] },
    );
    expectTypeOf(composeRequirements(composed, { maxAge: 60 })).toEqualTypeOf<AuthRequirements>();
    // @ts-expect-error `scope` is not a requirement
    composeRequirements({ scope: ['a'] });
    expectTypeOf<(typeof REQUIREMENT_KEYS)[number]>().toEqualTypeOf<keyof AuthRequirements>();
  });

  it('createTokenGuard takes TokenGuardOptions and returns a TokenGuard', () => {
    expectTypeOf(createTokenGuard).parameter(0).toEqualTypeOf<TokenGuardOptions>();
    expectTypeOf(createTokenGuard).returns.toEqualTypeOf<TokenGuard>();
  });

  it('authenticate resolves to an AuthContext, or maybe undefined when optional', () => {
    expectTypeOf(guard.authenticate(request)).resolves.toEqualTypeOf<AuthContext>();
    expectTypeOf(
      guard.authenticate(request, { scopes: ['a'] }),
    ).resolves.toEqualTypeOf<AuthContext>();
    expectTypeOf(guard.authenticate(request, { optional: true })).resolves.toEqualTypeOf<
      AuthContext | undefined
    >();
    const requirements: AuthRequirements = { optional: Math.random() > 0.5 };
    expectTypeOf(guard.authenticate(request, requirements)).resolves.toEqualTypeOf<
      AuthContext | undefined
    >();
  });

  it('AuthContext is read-only and typed', () => {
    expectTypeOf<AuthContext['scopes']>().toEqualTypeOf<ReadonlySet<string>>();
    // No mutators in the type (and the object throws if one is called anyway).
    expectTypeOf<AuthContext['scopes']>().not.toHaveProperty('add');
    // Absent when the token names neither `sub` nor a client: nothing to key data by.
    expectTypeOf<AuthContext['principalId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AuthContext['scheme']>().toEqualTypeOf<'Bearer' | 'DPoP'>();
    expectTypeOf<AuthContext['claims']['sub']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AuthContext['claims']['tenant']>().toEqualTypeOf<unknown>();
    interface MyClaims {
      sub: string;
      tenant: 'acme' | 'globex';
    }
    expectTypeOf<AuthContext<MyClaims>['claims']['tenant']>().toEqualTypeOf<'acme' | 'globex'>();
  });

  it('rejects unknown algorithms and malformed options at compile time', () => {
    // @ts-expect-error 'none' is not a JwsAlgorithm
    createTokenGuard({ issuer: 'https://a', audience: 'b', algorithms: ['none'] });
    // @ts-expect-error a cookie location names its cookie: { cookie: '<name>' }
    createTokenGuard({ issuer: 'https://a', audience: 'b', tokenLocations: ['cookie'] });
    createTokenGuard({
      issuer: 'https://a',
      audience: 'b',
      tokenLocations: ['header', { cookie: '__Host-access_token' }],
    });
    createTokenGuard({
      issuer: ['https://a', 'https://b'],
      audience: ['x'],
      claims: { tenant: { equals: 'acme' } },
    });
  });

  it('stores say "full" with StoreFullError; introspection limits are options', () => {
    expectTypeOf<StoreFullError['retryAfter']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<StoreEvent['event']>().toEqualTypeOf<'failure' | 'full'>();
    expectTypeOf<MemoryStoreOptions['replayCapacity']>().toEqualTypeOf<number | undefined>();
    createTokenGuard({
      issuer: 'https://a',
      audience: 'b',
      dpop: { replayCapacity: 100_000 },
      introspection: {
        clientId: 'api',
        clientSecret: 's',
        maxConcurrentCalls: 8,
        maxQueuedCalls: 32,
        queueTimeout: 0.5,
      },
    });
  });

  it('verify(token) resolves to an AuthContext; details and UpstreamError are typed', () => {
    expectTypeOf(guard.verify('token')).toEqualTypeOf<Promise<AuthContext>>();
    expectTypeOf(guard.verify<{ tenant: string }>('token', { scopes: ['a'] })).toEqualTypeOf<
      Promise<AuthContext<{ tenant: string }>>
    >();
    expectTypeOf<AuthError['details']>().toEqualTypeOf<RejectionDetails | undefined>();
    expectTypeOf<UpstreamError['code']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<UpstreamError['url']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<UpstreamError['status']>().toEqualTypeOf<number | undefined>();
  });

  it('logger takes console, a debug/warn object or false; warmUp takes its modes', () => {
    const base = { issuer: 'https://a.example/', audience: 'x' };
    expectTypeOf({ ...base, logger: console }).toExtend<TokenGuardOptions>();
    expectTypeOf({ ...base, logger: false as const }).toExtend<TokenGuardOptions>();
    expectTypeOf({
      ...base,
      logger: { debug: (_m: string) => {}, warn: (_m: string) => {} },
    }).toExtend<TokenGuardOptions>();
    expectTypeOf({ ...base, warmUp: 'fail' as const }).toExtend<TokenGuardOptions>();
    // @ts-expect-error a logger needs warn()
    createTokenGuard({ ...base, logger: { debug: () => {} } });
    // @ts-expect-error not a mode
    createTokenGuard({ ...base, warmUp: 'maybe' });
  });

  it('AuthError carries status, code, headers', () => {
    expectTypeOf<AuthError['status']>().toEqualTypeOf<number>();
    expectTypeOf<AuthError['headers']>().toEqualTypeOf<Readonly<Record<string, string>>>();
    expectTypeOf<AuthError['code']>().toEqualTypeOf<
      | 'invalid_request'
      | 'missing_token'
      | 'invalid_token'
      | 'insufficient_scope'
      | 'insufficient_user_authentication'
      | 'invalid_dpop_proof'
      | 'use_dpop_nonce'
      | 'temporarily_unavailable'
    >();
  });

  it('isRevoked takes the AuthContext and answers a boolean, sync or async', () => {
    expectTypeOf<TokenGuardOptions['isRevoked']>().toEqualTypeOf<RevocationCheck | undefined>();
    expectTypeOf<Parameters<RevocationCheck>[0]>().toEqualTypeOf<AuthContext>();
    expectTypeOf<ReturnType<RevocationCheck>>().toEqualTypeOf<boolean | Promise<boolean>>();
    createTokenGuard({
      issuer: 'https://a',
      audience: 'b',
      isRevoked: (auth) => auth.claims.jti === 'x',
    });
    createTokenGuard({ issuer: 'https://a', audience: 'b', isRevoked: async () => false });
    // @ts-expect-error an answer, not a side effect: a forgotten return would be a 503
    createTokenGuard({ issuer: 'https://a', audience: 'b', isRevoked: () => {} });
  });

  it('presets take their parameters and further options, and return TokenGuardOptions', () => {
    expectTypeOf(presets.entra).parameter(0).toEqualTypeOf<EntraPresetOptions>();
    expectTypeOf(
      presets.auth0({ domain: 'a.auth0.com', audience: 'x', dpop: { mode: 'allowed' } }),
    ).toEqualTypeOf<TokenGuardOptions>();
    expectTypeOf<ProviderName>().toEqualTypeOf<
      'auth0' | 'okta' | 'entra' | 'keycloak' | 'cognito' | 'zitadel' | 'spiffe'
    >();
    // @ts-expect-error the preset sets the issuer
    presets.okta({ domain: 'a.okta.com', audience: 'x', issuer: 'https://evil.example' });
    // @ts-expect-error Cognito's client ids are required
    presets.cognito({ userPoolId: 'us-east-1_Abc' });
    // @ts-expect-error the version is 1 or 2
    presets.entra({ tenantId: 't', audience: 'a', version: 3 });
  });

  it('AuthContext carries the SPIFFE ID of a JWT-SVID', () => {
    expectTypeOf<AuthContext['spiffeId']>().toEqualTypeOf<string | undefined>();
  });
});
