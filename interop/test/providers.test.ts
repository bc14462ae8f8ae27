import { optionsFromEnv, presets, type TokenGuardOptions } from '@tokenguard/core';
import {
  PLAIN_AUDIENCES,
  type PresetName,
  plainCases,
  providerFixtures,
  runProviderCase,
  runProviderRequest,
} from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, FETCH_ADAPTERS, type RunningApi } from '../src/apps/index.js';

// The provider table through every adapter: tokens shaped like each provider's, signed by a local
// authorization server at the provider's paths, accepted by a guard made with the provider's
// preset from TOKENGUARD_PROVIDER and its variables alone (and rejected with the precise reason
// where the shape says so), then the same tokens at a guard made without a preset. One server
// per row, shared by the adapters. Every adapter once (ADAPTERS and FETCH_ADAPTERS), not every
// wiring (CONFORMANCE_VARIANTS): presets change what the guard accepts, not how an adapter is
// wired, and the conformance table runs every wiring.
const fixtures = providerFixtures();
const servers = new Map<string, AuthorizationServer>();

beforeAll(async () => {
  const started = await Promise.all(fixtures.map((f) => createAuthorizationServer(f.server)));
  for (const [i, fixture] of fixtures.entries()) {
    servers.set(fixture.name, started[i] as AuthorizationServer);
  }
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((as) => as.close()));
});

function serverOf(name: string): AuthorizationServer {
  const as = servers.get(name);
  if (as === undefined) throw new Error(`no server for ${name}`);
  return as;
}

/**
 * A preset's parameters as the environment gives them: `TOKENGUARD_PROVIDER`,
 * `TOKENGUARD_AUDIENCE`, and `TOKENGUARD_<PROVIDER>_<PARAMETER>` (lists comma-separated, trust
 * domains as `name=url` pairs).
 */
function envOf(preset: PresetName, parameters: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = { TOKENGUARD_PROVIDER: preset };
  for (const [name, value] of Object.entries(parameters)) {
    const variable =
      name === 'audience'
        ? 'TOKENGUARD_AUDIENCE'
        : `TOKENGUARD_${preset.toUpperCase()}_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    env[variable] = Array.isArray(value)
      ? value.join(',')
      : typeof value === 'object' && value !== null
        ? Object.entries(value)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(',')
        : String(value);
  }
  return env;
}

/** A row's guard options as the environment alone makes them, plus the row's extras. */
function rowOptions(name: string): TokenGuardOptions {
  const fixture = fixtures.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no row ${name}`);
  const as = serverOf(name);
  return {
    ...optionsFromEnv(envOf(fixture.preset, fixture.parameters(as))),
    ...fixture.extra?.(as),
  };
}

describe("TOKENGUARD_PROVIDER makes each row's preset from the environment alone", () => {
  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (name, fixture) => {
    const as = serverOf(name);
    const preset = presets[fixture.preset] as (parameters: object) => TokenGuardOptions;
    expect(optionsFromEnv(envOf(fixture.preset, fixture.parameters(as)))).toEqual(
      preset(fixture.parameters(as)),
    );
  });
});

describe.each([...ADAPTERS, ...FETCH_ADAPTERS])('providers through %s', (_adapter, start) => {
  describe.each(fixtures.map((f) => [f.name, f] as const))(
    '%s, with its preset',
    (name, fixture) => {
      let api: RunningApi;
      beforeAll(async () => {
        // The guard the environment alone makes (the preset's options: checked above).
        api = await start(rowOptions(name));
      });
      afterAll(() => api?.close());

      it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_case, testCase) => {
        const { actual, expected } = await runProviderCase(testCase, {
          as: serverOf(name),
          baseUrl: api.baseUrl,
          ...(api.transport && { transport: api.transport }),
        });
        expect(actual).toEqual(expected);
      });
    },
  );

  describe('without a preset (issuers and audience only)', () => {
    let api: RunningApi;
    beforeAll(async () => {
      api = await start({
        issuers: fixtures.map((f) => ({ issuer: serverOf(f.name).issuer })),
        audience: PLAIN_AUDIENCES,
      });
    });
    afterAll(() => api?.close());

    it.each(plainCases().map((c) => [`${c.fixture}: ${c.name}`, c] as const))(
      '%s',
      async (_case, testCase) => {
        const token = await testCase.token(serverOf(testCase.fixture));
        const request = {
          method: 'GET' as const,
          path: '/principal',
          headers: { authorization: `Bearer ${token}` },
        };
        const outcome = await runProviderRequest(
          request,
          { status: 0, headers: {}, body: undefined },
          { baseUrl: api.baseUrl, ...(api.transport && { transport: api.transport }) },
        );
        if (testCase.reason === undefined) {
          // Accepted, but nothing provider-specific is read: no client id from Okta's `cid`.
          expect(outcome).toMatchObject({
            status: 200,
            reason: undefined,
            body: { clientId: null },
          });
        } else {
          expect(outcome).toMatchObject({ status: 401, reason: testCase.reason });
        }
      },
    );
  });
});
