import {
  type AuthorizationServer,
  attackCases,
  attackGuardOptions,
  createAuthorizationServer,
  expectedAttackResult,
  runAttackCase,
  startTrap,
  type Trap,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import { startConformanceApi } from './support/conformance-api.js';

// The attack table (RFC 8725, RFC 9449 §11, RFC 6750 §5, RFC 7662 §4, JWT CVEs) through the
// smallest adapter: node:http and core, serving the conformance routes. interop/ runs the same
// table through every adapter.
let as: AuthorizationServer;
let guard: TokenGuard;
let api: { baseUrl: string; close(): Promise<void> };
let trap: Trap;

beforeAll(async () => {
  as = await createAuthorizationServer();
  trap = await startTrap();
  guard = createTokenGuard(attackGuardOptions(as));
  api = await startConformanceApi(guard);
});

afterAll(async () => {
  await api?.close();
  await guard?.close();
  await trap?.close();
  await as?.close();
});

describe('attack table through a bare node:http adapter', () => {
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
