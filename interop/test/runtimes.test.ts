import {
  attackCases,
  attackGuardOptions,
  conformanceCases,
  conformanceGuardOptions,
  cookieGuardOptions,
  expectedAttackResult,
  runAttackCase,
  runConformanceCase,
  startTrap,
  type Trap,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoOnRuntime, otherRuntime } from '../src/apps/hono-runtime.js';
import type { RunningApi } from '../src/apps/index.js';

// The shared adapter table and the attack table through Hono on Bun and on Deno: Hono,
// @tokenguard/hono and core run on that runtime (its own server, its node:crypto, its undici),
// the tables and the authorization server here on Node. The binaries come from the npm registry
// (`bun`, `deno`); .ci/run installs them and names them in TEST_BUN and TEST_DENO. Without them
// this file runs nothing for that runtime and says so.
const RUNTIMES = [
  ['Bun', process.env.TEST_BUN],
  ['Deno', process.env.TEST_DENO],
] as const;

/**
 * Where a runtime answers an attack otherwise than Node, for a reason outside tokenguard: the
 * status it answers instead (still a refusal, asserted exactly) and why. Printed when the case
 * runs.
 */
const DEVIATIONS: Partial<Record<string, Record<string, { status: number; why: string }>>> = {
  Deno: {
    'DPoP htu vs Host: a path in the Host': {
      status: 404,
      why: "Deno.serve builds the request URL from the Host header, so `Host: api.example.test/evil` makes the path /evil/me: Hono's router answers 404 before any middleware runs (Node's and Bun's servers refuse the Host, or keep the path, and core answers 400)",
    },
  },
};

for (const [name, binary] of RUNTIMES) {
  if (binary === undefined || binary === '') {
    const reason = `not run: TEST_${name.toUpperCase()} does not name a ${name} binary (.ci/run installs one from the npm registry)`;
    console.warn(`[runtimes] Hono on ${name} ${reason}`);
    describe(`Hono on ${name}`, () => {
      it.skip(reason, () => {});
    });
    continue;
  }
  const start = honoOnRuntime(otherRuntime(name, binary));

  describe(`shared adapter table through Hono on ${name}`, () => {
    let as: AuthorizationServer;
    let api: RunningApi;
    let cookieApi: RunningApi;

    beforeAll(async () => {
      as = await createAuthorizationServer();
      api = await start(conformanceGuardOptions(as));
      cookieApi = await start(cookieGuardOptions(as));
    });
    afterAll(async () => {
      await api?.close();
      await cookieApi?.close();
      await as?.close();
    });

    it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', async (_case, testCase) => {
      const app = testCase.guard === 'cookie' ? cookieApi : api;
      const { actual, expected } = await runConformanceCase(testCase, { baseUrl: app.baseUrl, as });
      expect(actual).toEqual(expected);
    });
  });

  describe(`attacks through Hono on ${name}`, () => {
    let as: AuthorizationServer;
    let trap: Trap;
    let api: RunningApi;

    beforeAll(async () => {
      as = await createAuthorizationServer();
      trap = await startTrap();
      api = await start(attackGuardOptions(as));
    });
    afterAll(async () => {
      await api?.close();
      await trap?.close();
      await as?.close();
    });

    for (const attack of attackCases()) {
      const test = attack.weakness === undefined ? it : it.fails;
      const deviation = DEVIATIONS[name]?.[attack.name];
      test(`${attack.name} [${attack.reference}]`, async () => {
        const expected = expectedAttackResult(attack);
        if (deviation !== undefined) {
          console.warn(
            `[runtimes] ${name} answers ${deviation.status}, not ${expected.status}: ${deviation.why}`,
          );
          expected.status = deviation.status;
        }
        const result = await runAttackCase(attack, { as, baseUrl: api.baseUrl, trap });
        expect(result).toEqual(expected);
      });
    }
  });
}
