import {
  type AuthorizationServer,
  CONFORMANCE_SCOPES,
  conformanceCases,
  conformanceGuardOptions,
  createAuthorizationServer,
  runConformanceCase,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import { startConformanceApi } from './support/conformance-api.js';

// The shared adapter table, run against the smallest possible adapter: node:http and core. If
// this passes and an adapter's run fails, the adapter is wrong, not the table.
let as: AuthorizationServer;
let guard: TokenGuard;
let api: { baseUrl: string; close(): Promise<void> };

beforeAll(async () => {
  as = await createAuthorizationServer();
  guard = createTokenGuard(conformanceGuardOptions(as));
  api = await startConformanceApi(guard, { scopesSupported: CONFORMANCE_SCOPES });
});

afterAll(async () => {
  await api?.close();
  await guard?.close();
  await as?.close();
});

describe('shared adapter table through a bare node:http adapter', () => {
  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const { actual, expected } = await runConformanceCase(testCase, { baseUrl: api.baseUrl, as });
    expect(actual).toEqual(expected);
  });
});
