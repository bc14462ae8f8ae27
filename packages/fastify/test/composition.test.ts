import {
  type AuthorizationServer,
  composable,
  createAuthorizationServer,
  expectedStatus,
  type ModelRequirements,
  requirementsArbitrary,
  tokenClaimsArbitrary,
} from '@tokenguard/testing';
import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenGuard } from '../src/index.js';

// Property: through Fastify's real route wiring, a token passes a route exactly when it meets
// every level of it: the plugin's guard options, the route's `config` and its requireToken()
// hook. FUZZ_RUNS / 10 cases per style (1,000 by default); each fast-check run is a batch of
// routes on one app (app.inject()), each route tried with tokens from a pool minted once.
const CASES = Math.max(1, Math.floor(Number(process.env.FUZZ_RUNS ?? 10_000) / 10));
const ROUTES = 50;
const TOKENS_PER_ROUTE = 4;
const BATCHES = Math.ceil(CASES / (ROUTES * TOKENS_PER_ROUTE));
const POOL = 64;
const NOW = Math.floor(Date.now() / 1000);

let as: AuthorizationServer;
let pool: Array<{ token: string; claims: Record<string, unknown> }>;

beforeAll(async () => {
  as = await createAuthorizationServer();
  const claims = fc.sample(tokenClaimsArbitrary(NOW), { numRuns: POOL, seed: 42 });
  pool = await Promise.all(
    claims.map(async (c) => ({ token: await as.mintAccessToken(c), claims: c })),
  );
});
afterAll(() => as?.close());

describe.each(['global', 'per-route'] as const)('composition property, %s protection', (style) => {
  const route = fc.record({
    config: requirementsArbitrary(),
    // Under global: true a route may have no hook of its own; per route, the hook protects it.
    hook:
      style === 'global'
        ? fc.option(requirementsArbitrary(), { nil: undefined })
        : requirementsArbitrary(),
    tokens: fc.array(fc.nat(POOL - 1), {
      minLength: TOKENS_PER_ROUTE,
      maxLength: TOKENS_PER_ROUTE,
    }),
  });
  const batch = fc.record({
    guard: requirementsArbitrary({ keys: ['scopes', 'anyScopes'] }),
    routes: fc.array(route, { minLength: ROUTES, maxLength: ROUTES }),
  });

  it(`a token passes exactly when it meets the guard, the route config and its hook (${CASES} cases)`, async () => {
    const seen = { 200: 0, 401: 0, 403: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(batch, async ({ guard: guardLevel, routes }) => {
        const app = Fastify();
        await app.register(tokenGuard, {
          issuer: as.issuer,
          audience: as.audience,
          jwksUri: as.jwksUri,
          ...guardLevel,
          global: style === 'global',
          clock: () => NOW * 1000,
        });
        const served: Array<{ path: string; levels: ModelRequirements[]; tokens: number[] }> = [];
        routes.forEach(({ config, hook, tokens }, i) => {
          const path = `/r${i}`;
          const declare = () =>
            app.get(
              path,
              { config, ...(hook && { onRequest: app.requireToken(hook) }) },
              async () => 'ok',
            );
          const levels = hook === undefined ? [guardLevel, config] : [guardLevel, config, hook];
          if (!composable(levels)) {
            // Step-up levels with no acr in common: refused when the route is declared.
            expect(declare).toThrow(
              /"acrValues" of the composed requirements have no value in common/,
            );
            seen.refused++;
            return;
          }
          declare();
          served.push({ path, levels, tokens });
        });
        try {
          for (const { path, levels, tokens } of served) {
            for (const index of tokens) {
              const { token, claims } = pool[index] as (typeof pool)[number];
              const res = await app.inject({
                url: path,
                headers: { authorization: `Bearer ${token}` },
              });
              const expected = expectedStatus(levels, claims, NOW);
              const context = JSON.stringify({ levels, claims });
              expect(res.statusCode, context).toBe(expected);
              if (expected !== 200) {
                expect(res.json().error, context).toBe(
                  expected === 403 ? 'insufficient_scope' : 'insufficient_user_authentication',
                );
              }
              // The exact AND: each level alone would let it through.
              expect(res.statusCode === 200, context).toBe(
                levels.every((level) => expectedStatus([level], claims, NOW) === 200),
              );
              seen[res.statusCode as 200 | 401 | 403]++;
            }
          }
        } finally {
          await app.close();
        }
      }),
      { numRuns: BATCHES },
    );
    console.info(`composition property (Fastify, ${style}): ${JSON.stringify(seen)}`);
    for (const outcome of [200, 401, 403] as const) {
      expect(seen[outcome], JSON.stringify(seen)).toBeGreaterThan(CASES / 20);
    }
  });
});
