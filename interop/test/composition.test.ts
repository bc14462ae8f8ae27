import {
  composable,
  expectedStatus,
  type ModelRequirements,
  requirementsArbitrary,
  tokenClaimsArbitrary,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressLevels } from '../src/apps/express.js';
import { fastifyLevels } from '../src/apps/fastify.js';
import type { RouteLevels, ServeLevels } from '../src/apps/index.js';
import { nestLevels } from '../src/apps/nestjs.js';

// Property: through each framework's real route wiring, a token passes a route exactly when it
// meets every level of it: the guard's options and the route's levels, each stated the way that
// framework's users state them. FUZZ_RUNS / 10 cases per variant (1,000 by default); each
// fast-check run is a batch of routes on one app, each route tried with tokens from a pool
// minted once. core's own tests check composeRequirements() itself (10,000 runs).
const CASES = Math.max(1, Math.floor(Number(process.env.FUZZ_RUNS ?? 10_000) / 10));
const ROUTES = 50;
const TOKENS_PER_ROUTE = 4;
const BATCHES = Math.ceil(CASES / (ROUTES * TOKENS_PER_ROUTE));
const POOL = 64;
const NOW = Math.floor(Date.now() / 1000);
// What Express's middlewares after requireToken() and Nest's decorators can say.
const DECORATED = ['scopes', 'anyScopes', 'claims'] as const;

type Status = 200 | 401 | 403;

interface Variant {
  /** What a route's levels are, outermost first, for this adapter. */
  levels: fc.Arbitrary<RouteLevels>;
  serve: ServeLevels;
  /** The status a token must get; by default that of every level at once. */
  expected?: (guard: ModelRequirements, levels: RouteLevels, claims: Claims) => Status;
  /** The outcomes a run must see often (Nest's decorators cannot state step-up: no 401). */
  outcomes: readonly Status[];
}

type Claims = Record<string, unknown>;

/**
 * Express runs the middlewares in order: `requireToken()` (the guard's options and its own
 * level) answers first, then the middlewares after it.
 */
const inOrder = (guard: ModelRequirements, [outer = {}, ...rest]: RouteLevels, claims: Claims) => {
  const first = expectedStatus([guard, outer], claims, NOW);
  return first === 200 ? expectedStatus(rest, claims, NOW) : first;
};

const express = (major: 4 | 5): Variant => ({
  levels: fc.tuple(requirementsArbitrary(), requirementsArbitrary({ keys: DECORATED })),
  serve: expressLevels(major),
  expected: inOrder,
  outcomes: [200, 401, 403],
});

const fastify = (style: 'global' | 'per-route'): Variant => ({
  // The route's config, then its requireToken() hook; under global: true a route may have no
  // hook of its own, per route the hook protects it.
  levels: fc
    .tuple(
      requirementsArbitrary(),
      style === 'global'
        ? fc.option(requirementsArbitrary(), { nil: undefined })
        : requirementsArbitrary(),
    )
    .map(([config, hook]) => (hook === undefined ? [config] : [config, hook])),
  serve: fastifyLevels(style),
  outcomes: [200, 401, 403],
});

const nest = (platform: 'express' | 'fastify'): Variant => ({
  // The controller's decorators, then the handler's.
  levels: fc.tuple(
    requirementsArbitrary({ keys: DECORATED }),
    requirementsArbitrary({ keys: DECORATED }),
  ),
  serve: nestLevels(platform),
  outcomes: [200, 403],
});

const VARIANTS: ReadonlyArray<readonly [string, string, Variant]> = [
  ['Express 5', 'the guard, requireToken() and the middlewares after it', express(5)],
  ['Express 4', 'the guard, requireToken() and the middlewares after it', express(4)],
  ['Fastify, global protection', 'the guard, the route config and its hook', fastify('global')],
  [
    'Fastify, per-route protection',
    'the guard, the route config and its hook',
    fastify('per-route'),
  ],
  ['NestJS on Express', 'the module, the controller and the handler', nest('express')],
  ['NestJS on Fastify', 'the module, the controller and the handler', nest('fastify')],
];

let as: AuthorizationServer;
let pool: Array<{ token: string; claims: Claims }>;

beforeAll(async () => {
  as = await createAuthorizationServer();
  const claims = fc.sample(tokenClaimsArbitrary(NOW), { numRuns: POOL, seed: 42 });
  pool = await Promise.all(
    claims.map(async (c) => ({ token: await as.mintAccessToken(c), claims: c })),
  );
});
afterAll(() => as?.close());

describe.each(VARIANTS)(`composition property on %s (${CASES} cases)`, (name, levels, variant) => {
  const route = fc.record({
    levels: variant.levels,
    tokens: fc.array(fc.nat(POOL - 1), {
      minLength: TOKENS_PER_ROUTE,
      maxLength: TOKENS_PER_ROUTE,
    }),
  });
  const batch = fc.record({
    guard: requirementsArbitrary({ keys: ['scopes', 'anyScopes'] }),
    routes: fc.array(route, { minLength: ROUTES, maxLength: ROUTES }),
  });
  const expected =
    variant.expected ?? ((guard, route, claims) => expectedStatus([guard, ...route], claims, NOW));

  it(`a token passes exactly when it meets ${levels}`, async () => {
    const seen = { 200: 0, 401: 0, 403: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(batch, async ({ guard, routes }) => {
        const app = await variant.serve(
          {
            issuer: as.issuer,
            audience: as.audience,
            jwksUri: as.jwksUri,
            ...guard,
            clock: () => NOW * 1000,
          },
          routes.map((r) => r.levels),
        );
        try {
          const checks = routes.flatMap(({ levels: route, tokens }, i) => {
            const refusal = app.refusals[i];
            if (!composable([guard, ...route])) {
              // Step-up levels with no acr in common: refused when the route is declared.
              expect(String(refusal)).toMatch(
                /"acrValues" of the composed requirements have no value in common/,
              );
              seen.refused++;
              return [];
            }
            expect(refusal).toBeUndefined();
            return tokens.map(async (index) => {
              const { token, claims } = pool[index] as (typeof pool)[number];
              const res = await app.get(`/r${i}`, token);
              const status = expected(guard, route, claims);
              const context = JSON.stringify({ guard, route, claims });
              expect(res.status, context).toBe(status);
              if (status !== 200) {
                expect(res.error, context).toBe(
                  status === 403 ? 'insufficient_scope' : 'insufficient_user_authentication',
                );
              }
              // The exact AND: each level alone would let it through.
              expect(res.status === 200, context).toBe(
                [guard, ...route].every((level) => expectedStatus([level], claims, NOW) === 200),
              );
              seen[res.status as Status]++;
            });
          });
          await Promise.all(checks);
        } finally {
          await app.close();
        }
      }),
      { numRuns: BATCHES },
    );
    console.info(`composition property (${name}): ${JSON.stringify(seen)}`);
    for (const outcome of variant.outcomes) {
      expect(seen[outcome], JSON.stringify(seen)).toBeGreaterThan(CASES / 20);
    }
  });
});
