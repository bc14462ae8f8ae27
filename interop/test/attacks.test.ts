import {
  attackCases,
  attackGuardOptions,
  expectedAttackResult,
  runAttackCase,
  startTrap,
  type Trap,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, FETCH_ADAPTERS, type RunningApi } from '../src/apps/index.js';

// The attack table through every adapter, node:http + core first: the expected status (never a
// 500), nothing the attacker sent echoed back, no request to a URL a token named, only the
// upstream requests the case allows, and a valid token still accepted afterwards.
describe.each([...ADAPTERS, ...FETCH_ADAPTERS])('attacks through %s', (_name, start) => {
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
    // A case that shows a known, unfixed weakness of core runs as an expected failure; the fix
    // makes it fail until its `weakness` mark is removed from the table.
    const test = attack.weakness === undefined ? it : it.fails;
    test(`${attack.name} [${attack.reference}]`, async () => {
      if (attack.weakness !== undefined) console.warn(`[known weakness] ${attack.weakness}`);
      const result = await runAttackCase(attack, { as, baseUrl: api.baseUrl, trap });
      expect(result).toEqual(expectedAttackResult(attack));
    });
  }
});
