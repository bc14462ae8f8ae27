import { applyDecorators, Controller, Get, Module, type Type } from '@nestjs/common';
import { AnyScopes, Claims, Scopes, TokenGuardModule } from '@tokenguard/nestjs';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  expectedStatus,
  type ModelRequirements,
  requirementsArbitrary,
  tokenClaimsArbitrary,
} from '@tokenguard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS, startApp } from './helpers.js';

// Property: through Nest's real route wiring, a token passes a handler exactly when it meets
// every level of it: the module's guard options, the controller's decorators and the handler's.
// FUZZ_RUNS / 10 cases per platform (1,000 by default); each fast-check run is a batch of
// controllers in one application, each handler tried with tokens from a pool minted once.
const CASES = Math.max(1, Math.floor(Number(process.env.FUZZ_RUNS ?? 10_000) / 10));
const ROUTES = 50;
const TOKENS_PER_ROUTE = 4;
const BATCHES = Math.ceil(CASES / (ROUTES * TOKENS_PER_ROUTE));
const POOL = 64;
const NOW = Math.floor(Date.now() / 1000);
// What decorators can say: @Scopes(), @AnyScopes(), @Claims().
const DECORATED = ['scopes', 'anyScopes', 'claims'] as const;

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

/** A level as the decorators that state it. */
function decorators(level: ModelRequirements): Array<ClassDecorator & MethodDecorator> {
  return [
    ...(level.scopes ? [Scopes(...level.scopes)] : []),
    ...(level.anyScopes ? [AnyScopes(...level.anyScopes)] : []),
    ...(level.claims ? [Claims(level.claims)] : []),
  ];
}

/** A controller at `/r<i>` with the outer level on the class and the inner on its one handler. */
function controller(i: number, outer: ModelRequirements, inner: ModelRequirements): Type<unknown> {
  class Routes {
    handle() {
      return { ok: true };
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Routes.prototype, 'handle');
  applyDecorators(...decorators(inner), Get())(Routes.prototype, 'handle', descriptor);
  applyDecorators(...decorators(outer), Controller(`r${i}`))(Routes);
  return Routes;
}

const route = fc.record({
  outer: requirementsArbitrary({ keys: DECORATED }),
  inner: requirementsArbitrary({ keys: DECORATED }),
  tokens: fc.array(fc.nat(POOL - 1), { minLength: TOKENS_PER_ROUTE, maxLength: TOKENS_PER_ROUTE }),
});
const batch = fc.record({
  module: requirementsArbitrary({ keys: ['scopes', 'anyScopes'] }),
  routes: fc.array(route, { minLength: ROUTES, maxLength: ROUTES }),
});

describe.each(PLATFORMS)('composition property on the %s platform', (platformName, platform) => {
  it(`a token passes exactly when it meets the module, the controller and the handler (${CASES} cases)`, async () => {
    const seen = { 200: 0, 403: 0 };
    await fc.assert(
      fc.asyncProperty(batch, async ({ module, routes }) => {
        @Module({
          imports: [
            TokenGuardModule.forRoot({
              issuer: as.issuer,
              audience: as.audience,
              jwksUri: as.jwksUri,
              ...module,
              clock: () => NOW * 1000,
              global: true,
            }),
          ],
          controllers: routes.map(({ outer, inner }, i) => controller(i, outer, inner)),
        })
        class CompositionModule {}
        const running = await startApp(platform, CompositionModule);
        try {
          const checks = routes.flatMap(({ outer, inner, tokens }, i) =>
            tokens.map(async (index) => {
              const { token, claims } = pool[index] as (typeof pool)[number];
              const res = await fetch(`${running.baseUrl}/r${i}`, {
                headers: { authorization: `Bearer ${token}` },
              });
              const body = (await res.json()) as { error?: string };
              const levels = [module, outer, inner];
              const expected = expectedStatus(levels, claims, NOW);
              const context = JSON.stringify({ levels, claims });
              expect(res.status, context).toBe(expected);
              if (expected === 403) expect(body.error, context).toBe('insufficient_scope');
              // The exact AND: each level alone would let it through.
              expect(res.status === 200, context).toBe(
                levels.every((level) => expectedStatus([level], claims, NOW) === 200),
              );
              seen[res.status as 200 | 403]++;
            }),
          );
          await Promise.all(checks);
        } finally {
          await running.close();
        }
      }),
      { numRuns: BATCHES },
    );
    console.info(`composition property (Nest on ${platformName}): ${JSON.stringify(seen)}`);
    for (const outcome of [200, 403] as const) {
      expect(seen[outcome], JSON.stringify(seen)).toBeGreaterThan(CASES / 20);
    }
  });
});
