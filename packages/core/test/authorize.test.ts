import { describe, expect, it } from 'vitest';
import { authorize, compileRequirements } from '../src/authorize/authorize.js';
import { type ClaimRules, claimsSatisfy, compileClaimRules } from '../src/authorize/claims.js';
import { composeRequirements } from '../src/authorize/compose.js';
import { parseScopes } from '../src/authorize/scopes.js';
import { AuthError } from '../src/errors.js';

describe('parseScopes', () => {
  it('splits a space-delimited scope claim token by token', () => {
    expect([...parseScopes({ scope: 'orders:read  orders:write' })!]).toEqual([
      'orders:read',
      'orders:write',
    ]);
    expect(parseScopes({ scope: '' })!.size).toBe(0);
  });

  it('reads scp as a string or an array (Entra ID, Okta)', () => {
    expect([...parseScopes({ scp: 'a b' })!]).toEqual(['a', 'b']);
    expect([...parseScopes({ scp: ['a', 'b'] })!]).toEqual(['a', 'b']);
  });

  it('prefers scope over scp and treats a malformed claim as invalid, not empty', () => {
    expect([...parseScopes({ scope: 'a', scp: ['admin'] })!]).toEqual(['a']);
    expect(parseScopes({ scope: ['a'] })).toBeUndefined();
    expect(parseScopes({ scp: [1] })).toBeUndefined();
    expect(parseScopes({})!.size).toBe(0);
  });

  it('never matches by substring and ignores inherited properties', () => {
    const scopes = parseScopes({ scope: 'orders:read-all' })!;
    expect(scopes.has('orders:read')).toBe(false);
    const claims = JSON.parse('{"__proto__": {"scope": "admin"}}');
    expect(parseScopes(claims)!.size).toBe(0);
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
  });
});

function outcome(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof AuthError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('authorize', () => {
  const scopes = new Set(['orders:read', 'profile']);
  it('requires every scope of `scopes` and one of `anyScopes`', () => {
    expect(
      outcome(() => authorize(compileRequirements({ scopes: ['orders:read'] }), scopes, {}, 0)),
    ).toBe('ok');
    expect(
      outcome(() =>
        authorize(compileRequirements({ scopes: ['orders:read', 'orders:write'] }), scopes, {}, 0),
      ),
    ).toBe('403 insufficient_scope');
    expect(
      outcome(() =>
        authorize(compileRequirements({ anyScopes: ['admin', 'profile'] }), scopes, {}, 0),
      ),
    ).toBe('ok');
    expect(
      outcome(() => authorize(compileRequirements({ anyScopes: ['admin'] }), scopes, {}, 0)),
    ).toBe('403 insufficient_scope');
  });

  it('adds route scopes to the guard scopes', () => {
    expect(
      compileRequirements(composeRequirements({ scopes: ['profile'] }, { scopes: ['orders:read'] }))
        .scopes,
    ).toEqual(['profile', 'orders:read']);
  });

  it('answers route-level claim failures with 403', () => {
    const req = compileRequirements({ claims: { tenant: { equals: 'acme' } } });
    expect(outcome(() => authorize(req, scopes, { tenant: 'acme' }, 0))).toBe('ok');
    expect(outcome(() => authorize(req, scopes, { tenant: 'evil' }, 0))).toBe(
      '403 insufficient_scope',
    );
  });

  it('requires acr and a recent auth_time for step-up (RFC 9470)', () => {
    const req = compileRequirements({ acrValues: ['mfa'], maxAge: 300 });
    expect(outcome(() => authorize(req, scopes, { acr: 'mfa', auth_time: 1000 }, 1200))).toBe('ok');
    expect(outcome(() => authorize(req, scopes, { acr: 'pwd', auth_time: 1000 }, 1200))).toBe(
      '401 insufficient_user_authentication',
    );
    expect(outcome(() => authorize(req, scopes, { acr: 'mfa', auth_time: 1000 }, 1400))).toBe(
      '401 insufficient_user_authentication',
    );
    expect(outcome(() => authorize(req, scopes, { acr: 'mfa' }, 1200))).toBe(
      '401 insufficient_user_authentication',
    );
  });

  it('rejects malformed requirements at compile time, naming the option', () => {
    expect(() => compileRequirements({ scopes: ['a b'] })).toThrow('"requirements.scopes"');
    expect(() => compileRequirements({ scopes: 'a' as unknown as string[] })).toThrow(
      '"requirements.scopes"',
    );
    expect(() => compileRequirements({ maxAge: -1 })).toThrow('"requirements.maxAge"');
  });
});

describe('claim rules', () => {
  const check = (rules: ClaimRules, claims: Record<string, unknown>) =>
    claimsSatisfy(compileClaimRules(rules, 'claims'), claims);

  it('equals, oneOf, includes, exists and predicates', () => {
    expect(check({ tenant: { equals: 'acme' } }, { tenant: 'acme' })).toBe(true);
    expect(check({ tenant: { equals: 'acme' } }, { tenant: 'acme2' })).toBe(false);
    expect(check({ level: { oneOf: [1, 2] } }, { level: 2 })).toBe(true);
    expect(check({ level: { oneOf: [1, 2] } }, { level: '2' })).toBe(false);
    expect(check({ roles: { includes: 'admin' } }, { roles: ['user', 'admin'] })).toBe(true);
    expect(check({ roles: { includes: 'admin' } }, { roles: 'user admin' })).toBe(true);
    expect(check({ roles: { includes: 'admin' } }, { roles: 'administrator' })).toBe(false);
    expect(check({ act: { exists: false } }, {})).toBe(true);
    expect(check({ act: { exists: true } }, {})).toBe(false);
    expect(check({ email_verified: (v) => v === true }, { email_verified: true })).toBe(true);
    expect(check({ email_verified: (v) => v === true }, { email_verified: 'true' })).toBe(false);
  });

  it('treats a throwing predicate as failing, and never reads inherited properties', () => {
    expect(
      check(
        {
          x: () => {
            throw new Error('boom');
          },
        },
        { x: 1 },
      ),
    ).toBe(false);
    expect(check({ toString: { exists: true } }, {})).toBe(false);
  });

  it('rejects malformed rules with a TypeError naming the claim', () => {
    expect(() => compileClaimRules({ tenant: { equals: { a: 1 } } } as never, 'claims')).toThrow(
      '"claims.tenant.equals"',
    );
    expect(() => compileClaimRules({ tenant: { nope: 1 } } as never, 'claims')).toThrow(
      '"claims.tenant"',
    );
    expect(() => compileClaimRules({ tenant: { oneOf: [] } }, 'claims')).toThrow(
      '"claims.tenant.oneOf"',
    );
  });
});
