import type { AuthContext, TokenGuard } from '@tokenguard/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthClaims,
  type Authenticator,
  type OptionalAuthenticator,
  optionalToken,
  protectedResourceMetadata,
  requireToken,
  withToken,
} from '../src/index.js';

declare module '../src/index.js' {
  interface AuthClaims {
    tenant?: string;
  }
}
declare const guard: TokenGuard;

describe('types', () => {
  it('requireToken() resolves to the principal or a Response', async () => {
    const authenticate = requireToken(guard, { scopes: ['a'] });
    expectTypeOf(authenticate).toEqualTypeOf<Authenticator>();
    const auth = await authenticate(new Request('http://a.test/'));
    if (auth instanceof Response) return;
    expectTypeOf(auth).toEqualTypeOf<AuthContext<AuthClaims>>();
    expectTypeOf(auth.claims.tenant).toEqualTypeOf<string | undefined>();
  });

  it('optionalToken() may resolve to undefined', () => {
    expectTypeOf(optionalToken(guard)).toEqualTypeOf<OptionalAuthenticator>();
    // @ts-expect-error optional is not a route requirement; use optionalToken()
    requireToken({ optional: true });
    // @ts-expect-error scopes are strings
    requireToken(guard, { scopes: [1] });
  });

  it('withToken() passes the principal and extra arguments on', () => {
    const handler = withToken(requireToken(guard), (_request, auth, context: { id: string }) => {
      expectTypeOf(auth).toEqualTypeOf<AuthContext<AuthClaims>>();
      return Response.json({ id: context.id });
    });
    expectTypeOf(handler).toEqualTypeOf<
      (request: Request, context: { id: string }) => Promise<Response>
    >();
    withToken(optionalToken(guard), (_request, auth) => {
      expectTypeOf(auth).toEqualTypeOf<AuthContext<AuthClaims> | undefined>();
      return new Response();
    });
  });

  it('protectedResourceMetadata() answers a Request or passes', () => {
    const metadata = protectedResourceMetadata(guard);
    expectTypeOf(metadata(new Request('http://a.test/'))).toEqualTypeOf<Response | undefined>();
    expectTypeOf(metadata.path).toEqualTypeOf<string>();
  });
});
