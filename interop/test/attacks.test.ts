import {
  type AuthorizationServer,
  attackCases,
  attackGuardOptions,
  createAuthorizationServer,
  runAttackCase,
  startTrap,
  type Trap,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApi } from '../src/apps.js';

// The attack table through every adapter: same statuses, nothing echoed, no request to a URL a
// token named. (core's own tests run it through a bare node:http adapter.)
describe.each(ADAPTERS.filter(([name]) => name !== 'node:http + core'))(
  'attacks through %s',
  (_name, start) => {
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

    it.each(attackCases().map((a) => [`${a.name} [${a.reference}]`, a] as const))(
      '%s',
      async (_case, attack) => {
        const result = await runAttackCase(attack, { as, baseUrl: api.baseUrl, trap });
        expect(result).toEqual({ status: attack.status, echoed: [], trapHits: 0 });
      },
    );
  },
);
