import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  optionalToken,
  protectedResourceMetadata,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
} from '../src/index.js';

const issuer = 'https://auth.example.com/';
const audience = 'https://api.example.com';
const guard: TokenGuard = createTokenGuard({ issuer, audience });

afterAll(() => guard.close());

// Every mistake is a TypeError thrown when the middleware is created, naming the option.
const mistakes: Array<[string, () => unknown, RegExp]> = [
  [
    'guard options without an audience',
    () => requireToken({ issuer }),
    /^tokenguard: "audience" is required/,
  ],
  [
    'an unknown guard option',
    // @ts-expect-error: `scope` is not an option
    () => requireToken({ issuer, audience, scope: ['orders:read'] }),
    /unknown option "scope"/,
  ],
  [
    'scopes that are not an array',
    // @ts-expect-error: a string, not an array
    () => requireToken(guard, { scopes: 'orders:read' }),
    /"requireToken\.scopes" must be an array of scope strings/,
  ],
  [
    'a scope with a space',
    () => requireToken(guard, { scopes: ['orders read'] }),
    /"requireToken\.scopes"/,
  ],
  [
    'a misspelled requirement after a guard, with the closest valid one',
    // @ts-expect-error: `scope` is not a requirement
    () => requireToken(guard, { scope: ['orders:write'] }),
    /^tokenguard: unknown requirement "requireToken\.scope"; did you mean "scopes"\?$/,
  ],
  [
    'a misspelled requirement without a guard, with the closest valid one',
    // @ts-expect-error: `anyScope` is not a requirement
    () => optionalToken({ anyScope: ['admin', 'orders:admin'] }),
    /^tokenguard: unknown requirement "optionalToken\.anyScope"; did you mean "anyScopes"\?$/,
  ],
  [
    'a guard option without an issuer',
    // @ts-expect-error: guard options need an issuer
    () => requireToken({ audience }),
    /^tokenguard: unknown requirement "requireToken\.audience"; guard options need "issuer" \(or "issuers"\), or pass a guard from createTokenGuard\(\)$/,
  ],
  [
    'optional on requireToken',
    // @ts-expect-error: use optionalToken()
    () => requireToken(guard, { optional: true }),
    /"requireToken\.optional" is not an option; use optionalToken\(\)/,
  ],
  [
    'an unknown claim rule',
    // @ts-expect-error: `equal` is not a rule
    () => requireToken(guard, { claims: { tenant: { equal: 'acme' } } }),
    /"requireToken\.claims\.tenant" must be a function or one of/,
  ],
  [
    'introspect on a guard without introspection (checked by the guard)',
    () => requireToken(guard, { introspect: true }),
    /"requireToken.introspect: true" needs the "introspection" option/,
  ],
  [
    'a negative maxAge',
    () => optionalToken(guard, { maxAge: -1 }),
    /"optionalToken\.maxAge" must be a number of seconds/,
  ],
  [
    'a string instead of options',
    // @ts-expect-error: not a guard, options or requirements
    () => requireToken(issuer),
    /requireToken\(\) takes a guard, guard options or route requirements/,
  ],
  [
    'requirements twice',
    // @ts-expect-error: requirements come second only after a guard
    () => requireToken({ scopes: ['a'] }, { scopes: ['b'] }),
    /second argument only after a guard/,
  ],
  [
    'requireScopes without scopes',
    () => requireScopes(),
    /requireScopes\(\) needs at least one scope/,
  ],
  ['a bad scope in requireScopes', () => requireScopes('orders read'), /"requireScopes\.scopes"/],
  [
    'an array passed to requireScopes',
    // @ts-expect-error: scopes are separate arguments
    () => requireScopes(['orders:read']),
    /"requireScopes\.scopes" must be an array of scope strings/,
  ],
  [
    'requireAnyScope without scopes',
    () => requireAnyScope(),
    /requireAnyScope\(\) needs at least one scope/,
  ],
  ['requireClaims without rules', () => requireClaims({}), /requireClaims\(\) needs an object/],
  [
    'a bad claim value',
    // @ts-expect-error: not a primitive
    () => requireClaims({ tenant: { equals: { name: 'acme' } } }),
    /"requireClaims\.claims\.tenant\.equals" must be a string, number, boolean or null/,
  ],
  [
    'metadata without a resource',
    () => protectedResourceMetadata(guard),
    /"resource" is required to serve protected resource metadata/,
  ],
];

describe('configuration mistakes', () => {
  it.each(mistakes)('%s', (_name, create, message) => {
    let thrown: unknown;
    try {
      create();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as TypeError).message).toMatch(message);
    expect((thrown as TypeError).message).toMatch(/^tokenguard: /);
  });

  it('accepts every documented form', () => {
    const forms = [
      requireToken({ issuer, audience }),
      requireToken({ issuers: [{ issuer }], audience }),
      requireToken(guard),
      requireToken(guard, { scopes: ['orders:read'], anyScopes: ['a', 'b'] }),
      requireToken(guard, {
        claims: { tenant: { equals: 'acme' } },
        acrValues: ['mfa'],
        maxAge: 300,
      }),
      optionalToken(guard),
      optionalToken({ issuer, audience }),
      requireScopes('orders:read', 'orders:write'),
      requireAnyScope('admin'),
      requireClaims({ roles: { includes: 'admin' }, email_verified: (v) => v === true }),
      protectedResourceMetadata(createTokenGuard({ issuer, audience, resource: audience })),
    ];
    for (const middleware of forms) expect(middleware).toHaveLength(3);
  });
});
