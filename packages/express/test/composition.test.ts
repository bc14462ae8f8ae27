import { createTokenGuard } from '@tokenguard/core';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  expectedStatus,
  type ModelRequirements,
  requirementsArbitrary,
  tokenClaimsArbitrary,
} from '@tokenguard/testing';
import type { RequestHandler } from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authErrorHandler,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
} from '../src/index.js';
import { EXPRESS_VERSIONS, listen } from './helpers.js';

// Property: through Express's real route wiring, a token passes a route exactly when it meets
// every level of it: the guard's options, requireToken()'s requirements and the requireScopes() /
// requireAnyScope() / requireClaims() after it. FUZZ_RUNS / 10 cases per Express major (1,000
// by default); each fast-check run is a batch of routes on one app, each route tried with tokens
// from a pool minted once.
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

/** The route's own level as Express states it: middlewares after requireToken(). */
function chain(level: ModelRequirements): RequestHandler[] {
  return [
    ...(level.scopes ? [requireScopes(...level.scopes)] : []),
    ...(level.anyScopes ? [requireAnyScope(...level.anyScopes)] : []),
    ...(level.claims ? [requireClaims(level.claims)] : []),
  ];
}

const route = fc.record({
  outer: requirementsArbitrary(),
  inner: requirementsArbitrary({ keys: ['scopes', 'anyScopes', 'claims'] }),
  tokens: fc.array(fc.nat(POOL - 1), { minLength: TOKENS_PER_ROUTE, maxLength: TOKENS_PER_ROUTE }),
});
const batch = fc.record({
  guard: requirementsArbitrary({ keys: ['scopes', 'anyScopes'] }),
  routes: fc.array(route, { minLength: ROUTES, maxLength: ROUTES }),
});

describe.each(EXPRESS_VERSIONS)(
  `composition property on %s (${CASES} cases)`,
  (_name, createApp) => {
    it('a token passes exactly when it meets the guard, requireToken() and the middlewares after it', async () => {
      const seen = { 200: 0, 401: 0, 403: 0 };
      await fc.assert(
        fc.asyncProperty(batch, async ({ guard: guardLevel, routes }) => {
          const guard = createTokenGuard({
            issuer: as.issuer,
            audience: as.audience,
            jwksUri: as.jwksUri,
            ...guardLevel,
            clock: () => NOW * 1000,
          });
          const app = createApp();
          routes.forEach(({ outer, inner }, i) => {
            app.get(`/r${i}`, requireToken(guard, outer), ...chain(inner), (_req, res) => {
              res.json({ ok: true });
            });
          });
          app.use(authErrorHandler());
          const running = await listen(app);
          try {
            const checks = routes.flatMap(({ outer, inner, tokens }, i) =>
              tokens.map(async (index) => {
                const { token, claims } = pool[index] as (typeof pool)[number];
                const res = await fetch(`${running.baseUrl}/r${i}`, {
                  headers: { authorization: `Bearer ${token}` },
                });
                const body = (await res.json()) as { error?: string };
                // Express runs the middlewares in order: requireToken() (guard + its level) first.
                const first = expectedStatus([guardLevel, outer], claims, NOW);
                const expected = first === 200 ? expectedStatus([inner], claims, NOW) : first;
                const context = JSON.stringify({ guardLevel, outer, inner, claims });
                expect(res.status, context).toBe(expected);
                if (expected !== 200) {
                  expect(body.error, context).toBe(
                    expected === 403 ? 'insufficient_scope' : 'insufficient_user_authentication',
                  );
                }
                // The exact AND: each level alone would let it through.
                expect(res.status === 200, context).toBe(
                  [guardLevel, outer, inner].every(
                    (level) => expectedStatus([level], claims, NOW) === 200,
                  ),
                );
                seen[res.status as 200 | 401 | 403]++;
              }),
            );
            await Promise.all(checks);
          } finally {
            await running.close();
            await guard.close();
          }
        }),
        { numRuns: BATCHES },
      );
      console.info(`composition property (${_name}): ${JSON.stringify(seen)}`);
      for (const outcome of [200, 401, 403] as const) {
        expect(seen[outcome], JSON.stringify(seen)).toBeGreaterThan(CASES / 20);
      }
    });
  },
);
