import { describe, expectTypeOf, it } from 'vitest';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  type Fault,
  type MintAccessTokenOptions,
  type RequestCounts,
  type SigningKids,
} from '../src/index.js';

describe('public types', () => {
  it('resolves to an AuthorizationServer', () => {
    expectTypeOf(createAuthorizationServer).returns.resolves.toEqualTypeOf<AuthorizationServer>();
  });

  it('types counts and kids', () => {
    expectTypeOf<AuthorizationServer['counts']>().toEqualTypeOf<Readonly<RequestCounts>>();
    expectTypeOf<RequestCounts['jwks']>().toEqualTypeOf<number>();
    expectTypeOf<SigningKids['ES256']>().toEqualTypeOf<string | undefined>();
  });

  it('limits opts.alg and opts.key', () => {
    expectTypeOf<MintAccessTokenOptions['alg']>().toEqualTypeOf<
      'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'HS256' | 'none' | undefined
    >();
    expectTypeOf<MintAccessTokenOptions['key']>().toEqualTypeOf<'unpublished' | undefined>();
  });

  it('accepts each kind of fault', () => {
    expectTypeOf({ status: 500 }).toExtend<Fault>();
    expectTypeOf({ hang: true as const }).toExtend<Fault>();
    expectTypeOf({ delayMs: 10 }).toExtend<Fault>();
    expectTypeOf({ oversized: 1024 }).toExtend<Fault>();
    expectTypeOf({ body: 'not json', contentType: 'text/html' }).toExtend<Fault>();
    expectTypeOf({ times: 1 }).not.toExtend<Fault>();
  });
});
