import {
  composable,
  expectedStatus,
  requirementsArbitrary,
  tokenClaimsArbitrary,
} from '@tokenguard/suites';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorize, compileRequirements } from '../src/authorize/authorize.js';
import { composeRequirements } from '../src/authorize/compose.js';
import {
  type AuthRequirements,
  checkRequirementKeys,
  REQUIREMENT_KEYS,
} from '../src/authorize/requirements.js';
import { parseScopes } from '../src/authorize/scopes.js';
import { AuthError, InsufficientScopeError } from '../src/errors.js';
import * as publicApi from '../src/index.js';

// FUZZ_RUNS raises (or lowers) the run count: 10,000 per property by default.
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const NOW = 1_700_000_000;

/** The status a token gets from requirements: 200, or the AuthError's. */
function status(requirements: AuthRequirements, claims: Record<string, unknown>): number {
  try {
    authorize(compileRequirements(requirements), parseScopes(claims) ?? new Set(), claims, NOW);
    return 200;
  } catch (error) {
    if (error instanceof AuthError) return error.status;
    throw error;
  }
}

function failure(requirements: AuthRequirements, claims: Record<string, unknown>): AuthError {
  try {
    authorize(compileRequirements(requirements), parseScopes(claims) ?? new Set(), claims, NOW);
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('the token passed');
}

describe('composeRequirements', () => {
  it('is exported from the package with the requirement keys and the key check', () => {
    expect(publicApi.composeRequirements).toBe(composeRequirements);
    expect(publicApi.checkRequirementKeys).toBe(checkRequirementKeys);
    expect(publicApi.REQUIREMENT_KEYS).toEqual([
      'scopes',
      'anyScopes',
      'claims',
      'acrValues',
      'maxAge',
      'introspect',
      'optional',
    ]);
    expect(Object.isFrozen(REQUIREMENT_KEYS)).toBe(true);
  });

  it('unites scopes', () => {
    expect(composeRequirements({ scopes: ['a', 'b'] }, { scopes: ['b', 'c'] })).toEqual({
      scopes: ['a', 'b', 'c'],
    });
  });

  it('keeps each anyScopes list as its own group; the 403 names the group that failed', () => {
    const composed = composeRequirements(
      { anyScopes: ['api:access', 'api:admin'] },
      { anyScopes: ['orders:read', 'orders:admin'] },
    );
    expect(composed.anyScopes).toEqual([
      ['api:access', 'api:admin'],
      ['orders:read', 'orders:admin'],
    ]);
    expect(status(composed, { scope: 'orders:read' })).toBe(403);
    const outer = failure(composed, { scope: 'orders:read' });
    expect(outer).toBeInstanceOf(InsufficientScopeError);
    expect((outer as InsufficientScopeError).scopes).toEqual(['api:access', 'api:admin']);
    const inner = failure(composed, { scope: 'api:admin' }) as InsufficientScopeError;
    expect(inner.scopes).toEqual(['orders:read', 'orders:admin']);
    expect(status(composed, { scope: 'api:admin orders:read' })).toBe(200);
    // The same group twice is one group.
    expect(composeRequirements({ anyScopes: ['a', 'b'] }, { anyScopes: ['b', 'a'] })).toEqual({
      anyScopes: [['a', 'b']],
    });
  });

  it('keeps every claim rule, two rules for the same claim included', () => {
    const composed = composeRequirements(
      { claims: { tenant: { equals: 'acme' } } },
      { claims: { tenant: { exists: true }, role: { equals: 'admin' } } },
    );
    expect(status(composed, { tenant: 'acme', role: 'admin' })).toBe(200);
    expect(status(composed, { tenant: 'evilcorp', role: 'admin' })).toBe(403);
    expect(status(composed, { tenant: 'acme', role: 'user' })).toBe(403);
  });

  it('requires an acr every level accepts, and refuses levels with none in common', () => {
    const composed = composeRequirements(
      { acrValues: ['mfa', 'hwk', 'pwd'] },
      { acrValues: ['hwk', 'mfa'] },
    );
    expect(composed.acrValues).toEqual(['mfa', 'hwk']);
    expect(status(composed, { acr: 'pwd' })).toBe(401);
    expect(status(composed, { acr: 'hwk' })).toBe(200);
    expect(() => composeRequirements({ acrValues: ['mfa'] }, { acrValues: ['hwk'] })).toThrow(
      'tokenguard: "acrValues" of the composed requirements have no value in common (["mfa"] and ["hwk"]): no token could pass',
    );
    // An empty list requires nothing, at any level.
    expect(composeRequirements({ acrValues: [] }, { acrValues: ['mfa'] }).acrValues).toEqual([
      'mfa',
    ]);
  });

  it('takes the smaller maxAge, and introspects when any level asks', () => {
    expect(composeRequirements({ maxAge: 600 }, { maxAge: 60 }, { maxAge: 300 }).maxAge).toBe(60);
    expect(composeRequirements({ introspect: true }, { introspect: false }).introspect).toBe(true);
    expect(composeRequirements({ introspect: false }, {}).introspect).toBeUndefined();
  });

  it.each<[boolean | undefined, boolean | undefined, boolean | undefined]>([
    [undefined, undefined, undefined],
    [true, undefined, true],
    [undefined, true, true],
    [true, true, true],
    [true, false, false],
    [false, true, false],
    [false, undefined, false],
    [undefined, false, false],
  ])('optional: %s then %s → %s', (outer, inner, expected) => {
    expect(composeRequirements({ optional: outer }, { optional: inner }).optional).toBe(expected);
  });

  it('returns a frozen set that composes again (associative), and accepts undefined levels', () => {
    const a = { scopes: ['a'], claims: { tenant: { equals: 'acme' } } } as const;
    const b = { anyScopes: ['b', 'c'], maxAge: 60 } as const;
    const c = { anyScopes: ['d'], claims: { role: { equals: 'admin' } }, optional: false } as const;
    const flat = composeRequirements(a, undefined, b, c);
    expect(Object.isFrozen(flat)).toBe(true);
    expect(composeRequirements(composeRequirements(a, b), c)).toEqual(flat);
    expect(composeRequirements(a, composeRequirements(b, c))).toEqual(flat);
    expect(composeRequirements()).toEqual({});
  });

  it('validates every level, naming its position and the closest valid key', () => {
    expect(() =>
      composeRequirements({ scopes: ['a'] }, { scope: ['b'] } as AuthRequirements),
    ).toThrow('tokenguard: unknown requirement "requirements[1].scope"; did you mean "scopes"?');
    expect(() => composeRequirements({ anyScopes: [['a'], []] })).toThrow(
      '"requirements[0].anyScopes[1]" must not be empty',
    );
    expect(() => composeRequirements({ maxAge: -1 })).toThrow('"requirements[0].maxAge"');
  });
});

describe('checkRequirementKeys', () => {
  it.each([
    ['scope', 'scopes'],
    ['Scopes', 'scopes'],
    ['anyScope', 'anyScopes'],
    ['any_scopes', 'anyScopes'],
    ['claim', 'claims'],
    ['acr', 'acrValues'],
    ['acr_values', 'acrValues'],
    ['max_age', 'maxAge'],
    ['maxage', 'maxAge'],
    ['intropsect', 'introspect'],
    ['introspection', 'introspect'],
    ['optinal', 'optional'],
    ['scp', 'scopes'],
  ])('refuses %s, suggesting %s', (typo, valid) => {
    expect(() => checkRequirementKeys({ [typo]: 1 }, 'route GET /x')).toThrow(
      `tokenguard: unknown requirement "route GET /x.${typo}"; did you mean "${valid}"?`,
    );
  });

  it("names every valid key when nothing is close, or the caller's hint", () => {
    expect(() => checkRequirementKeys({ audience: 'x' }, 'requireToken')).toThrow(
      'tokenguard: unknown requirement "requireToken.audience"; requirements are "scopes", "anyScopes", "claims", "acrValues", "maxAge", "introspect", "optional"',
    );
    expect(() =>
      checkRequirementKeys({ audience: 'x' }, 'requireToken', { hint: 'pass a guard first' }),
    ).toThrow('tokenguard: unknown requirement "requireToken.audience"; pass a guard first');
  });

  it('in loose mode, refuses only keys close to its own and leaves the others', () => {
    const config = {
      rateLimit: { max: 5 },
      audit: 'orders',
      publicPath: '/x',
      options: {},
      publish: true,
      scopes: ['a'],
    };
    expect(() =>
      checkRequirementKeys(config, 'route', { loose: true, known: ['public'] }),
    ).not.toThrow();
    expect(() =>
      checkRequirementKeys({ publc: true }, 'route', { loose: true, known: ['public'] }),
    ).toThrow('did you mean "public"?');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: a token passes compose(A, B) exactly when it passes A and passes B.
// ---------------------------------------------------------------------------------------------

const requirementsArb = requirementsArbitrary();
const tokenArb = tokenClaimsArbitrary(NOW);

describe(`composition property (${RUNS} runs each)`, () => {
  it('a token passes compose(A, B) iff it passes A and passes B, with the status the model says', () => {
    const seen = { 200: 0, 401: 0, 403: 0, refused: 0 };
    fc.assert(
      fc.property(requirementsArb, requirementsArb, tokenArb, (a, b, claims) => {
        if (!composable([a, b])) {
          seen.refused++;
          expect(() => composeRequirements(a, b)).toThrow(TypeError);
          return;
        }
        const composed = status(composeRequirements(a, b), claims);
        const alone = [status(a, claims), status(b, claims)];
        expect(alone).toEqual([expectedStatus([a], claims, NOW), expectedStatus([b], claims, NOW)]);
        expect(composed === 200).toBe(alone[0] === 200 && alone[1] === 200);
        expect(composed).toBe(expectedStatus([a, b], claims, NOW));
        seen[composed as 200 | 401 | 403]++;
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: every outcome comes up often.
    console.info(`composition property: ${JSON.stringify(seen)}`);
    for (const outcome of [200, 401, 403] as const) {
      expect(seen[outcome], `${outcome} in ${JSON.stringify(seen)}`).toBeGreaterThan(RUNS / 20);
    }
  });

  it('composition is associative and commutative in what it lets through', () => {
    fc.assert(
      fc.property(
        requirementsArb,
        requirementsArb,
        requirementsArb,
        tokenArb,
        (a, b, c, claims) => {
          fc.pre(composable([a, b, c]));
          const expected = expectedStatus([a, b, c], claims, NOW);
          expect(status(composeRequirements(composeRequirements(a, b), c), claims)).toBe(expected);
          expect(status(composeRequirements(c, composeRequirements(b, a)), claims)).toBe(expected);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('an explicit optional: false is never undone; anonymous passes only if some level allows it', () => {
    const flag = fc.constantFrom(true, false, undefined);
    fc.assert(
      fc.property(fc.array(flag, { minLength: 1, maxLength: 4 }), (flags) => {
        const composed = composeRequirements(...flags.map((optional) => ({ optional })));
        const anonymous = compileRequirements(composed).optional;
        expect(anonymous).toBe(flags.includes(true) && !flags.includes(false));
      }),
      { numRuns: Math.min(RUNS, 1_000) },
    );
  });
});
