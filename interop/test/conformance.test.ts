import {
  conformanceCases,
  conformanceGuardOptions,
  cookieGuardOptions,
  runConformanceCase,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_VARIANTS, type RunningApi } from '../src/apps/index.js';

// The shared adapter table through every adapter in every way it can be wired: the exact status,
// challenges and body, whatever the framework. node:http + core comes first: if it passes there
// and fails through a framework, the framework's adapter is wrong, not the table. Each variant
// runs two apps: the conformance guard, and the same with a cookie as a token location (the
// cases that say `guard: 'cookie'`).
describe.each(CONFORMANCE_VARIANTS)('shared adapter table through %s', (_name, start) => {
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
    const { actual, expected } = await runConformanceCase(testCase, {
      baseUrl: app.baseUrl,
      as,
      ...(app.transport && { transport: app.transport }),
    });
    expect(actual).toEqual(expected);
  });
});
