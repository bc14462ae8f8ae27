import { operabilityCases } from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, FETCH_ADAPTERS } from '../src/apps/index.js';

// What an operator sees through each adapter when something is wrong: why a token was rejected,
// an issuer down and back, a start-up that refuses to go on. Each case starts the adapter's
// conformance app itself, with the options it needs (a capturing logger, `warmUp: 'fail'`).
describe.each([...ADAPTERS, ...FETCH_ADAPTERS])('operability through %s', (_name, start) => {
  let as: AuthorizationServer;
  beforeAll(async () => {
    as = await createAuthorizationServer();
  });
  afterAll(() => as?.close());

  it.each(operabilityCases().map((c) => [c.name, c] as const))('%s', async (_case, testCase) => {
    const { actual, expected } = await testCase.run({ as, start: (options) => start(options) });
    expect(actual).toEqual(expected);
  });
});
