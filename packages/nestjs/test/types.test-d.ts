import type { DynamicModule, ExecutionContext } from '@nestjs/common';
import type {
  AuthRequirements,
  TokenGuard as CoreTokenGuard,
  RequestView,
  TokenRequest,
} from '@tokenguard/core';
import {
  AnyScopes,
  Auth,
  type AuthContext,
  Claims,
  type CoreTokenGuard as ExportedCoreTokenGuard,
  OptionalAuth,
  Public,
  Scopes,
  TOKEN_GUARD,
  TokenGuard,
  TokenGuardModule,
  type TokenGuardModuleAsyncOptions,
  type TokenGuardModuleOptions,
} from '@tokenguard/nestjs';
import { describe, expectTypeOf, it } from 'vitest';

declare const guard: CoreTokenGuard;

describe('decorators', () => {
  it('@Scopes() and @AnyScopes() take scope strings and decorate classes and methods', () => {
    expectTypeOf(Scopes).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(AnyScopes).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(Scopes('a')).toEqualTypeOf<ClassDecorator & MethodDecorator>();
    // @ts-expect-error scopes are strings
    Scopes('a', 1);
  });

  it('@Public() and @OptionalAuth() take nothing', () => {
    expectTypeOf(Public).parameters.toEqualTypeOf<[]>();
    expectTypeOf(OptionalAuth()).toEqualTypeOf<ClassDecorator & MethodDecorator>();
  });

  it("@Claims() takes core's claim rules", () => {
    Claims({ tenant: { equals: 'acme' }, roles: { includes: 'admin' }, n: (value) => !!value });
    // @ts-expect-error an object is not a claim value to compare with
    Claims({ tenant: { equals: { name: 'acme' } } });
    // @ts-expect-error not a rule
    Claims({ tenant: 'acme' });
  });

  it('@Auth() is a parameter decorator taking an optional claim name', () => {
    expectTypeOf(Auth).parameters.toEqualTypeOf<[claim?: string]>();
    expectTypeOf(Auth()).toEqualTypeOf<ParameterDecorator>();
    // @ts-expect-error a claim name is a string
    Auth(1);
  });

  it('AuthContext carries custom claims when you name them', () => {
    type Context = AuthContext<{ tenant: string }>;
    expectTypeOf<Context['claims']['tenant']>().toEqualTypeOf<string>();
    expectTypeOf<AuthContext['scopes']>().toEqualTypeOf<ReadonlySet<string>>();
  });
});

describe('module options', () => {
  it("forRoot() takes core's options plus the module extras, or nothing", () => {
    expectTypeOf(TokenGuardModule.forRoot).returns.toEqualTypeOf<DynamicModule>();
    TokenGuardModule.forRoot();
    TokenGuardModule.forRoot({ issuer: 'https://as.example', audience: 'api' });
    TokenGuardModule.forRoot({
      issuer: ['https://a.example', 'https://b.example'],
      audience: 'api',
      resource: 'https://api.example.com',
      metadata: { scopesSupported: ['orders:read'] },
      global: true,
      isGlobal: true,
    });
    TokenGuardModule.forRoot({ guard, metadata: false });
    // @ts-expect-error a guard and guard options exclude each other
    TokenGuardModule.forRoot({ guard, audience: 'api' });
    // @ts-expect-error global is a boolean
    TokenGuardModule.forRoot({ issuer: 'x', audience: 'y', global: 'yes' });
    // @ts-expect-error unknown option
    TokenGuardModule.forRoot({ issuer: 'x', audience: 'y', issuerr: 'z' });
  });

  it('forRootAsync() takes a factory of the same options', () => {
    TokenGuardModule.forRootAsync({
      imports: [],
      inject: ['CONFIG'],
      useFactory: (config: { issuer: string }) => ({ issuer: config.issuer, audience: 'api' }),
      global: true,
    });
    TokenGuardModule.forRootAsync({ useFactory: async () => ({ guard }) });
    expectTypeOf<TokenGuardModuleAsyncOptions>().toHaveProperty('useFactory');
    expectTypeOf<
      ReturnType<NonNullable<TokenGuardModuleAsyncOptions['useFactory']>>
    >().toEqualTypeOf<TokenGuardModuleOptions | Promise<TokenGuardModuleOptions>>();
    // @ts-expect-error the factory must make module options
    TokenGuardModule.forRootAsync({ useFactory: () => ({ issuer: 1 }) });
  });

  it('TOKEN_GUARD is a unique symbol and CoreTokenGuard is core’s TokenGuard', () => {
    expectTypeOf(TOKEN_GUARD).toBeSymbol();
    expectTypeOf<ExportedCoreTokenGuard>().toEqualTypeOf<CoreTokenGuard>();
  });
});

describe('TokenGuard', () => {
  it('is a Nest guard with protected hooks a subclass can override', () => {
    expectTypeOf<TokenGuard['canActivate']>().parameters.toEqualTypeOf<[ExecutionContext]>();
    // `true` at once for a request core answered without waiting (a cached token), else a promise.
    expectTypeOf<TokenGuard['canActivate']>().returns.toEqualTypeOf<boolean | Promise<boolean>>();

    class GraphqlGuard extends TokenGuard {
      protected override getRequest(context: ExecutionContext): object {
        return context.getArgByIndex<{ req: object }>(2).req;
      }
      protected override getResponse(): object | undefined {
        return undefined;
      }
      protected override getRequirements(context: ExecutionContext): Readonly<AuthRequirements> {
        return super.getRequirements(context);
      }
      protected override toTokenRequest(request: object): TokenRequest | RequestView {
        return super.toTokenRequest(request);
      }
    }
    expectTypeOf<GraphqlGuard>().toMatchTypeOf<TokenGuard>();
    // An override may still hand core a TokenRequest with its own public URL.
    class UrlGuard extends TokenGuard {
      protected override toTokenRequest(request: object): TokenRequest {
        return { method: 'GET', url: 'https://api.example.com/', headers: {}, ...request };
      }
    }
    expectTypeOf<UrlGuard>().toMatchTypeOf<TokenGuard>();
    // @ts-expect-error hooks are protected
    new TokenGuard(guard, {} as never).getRequirements;
  });
});
