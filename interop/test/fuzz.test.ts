import { attackGuardOptions, sendRequest } from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApi } from '../src/apps/index.js';

// The same property as core's fuzz tests, over real HTTP through each framework: whatever
// Authorization and DPoP headers a client sends, the answer is 200, 400, 401, 403 or 503.
// Fewer runs than in core (each one is a real request): FUZZ_RUNS / 10, at least 300.
const RUNS = Math.max(300, Math.floor(Number(process.env.FUZZ_RUNS ?? 3_000) / 10));
const ALLOWED = new Set([200, 400, 401, 403, 503]);
// Header values Node's client will send: printable ASCII, spaces and Latin-1 letters (not DEL).
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0xa0, max: 0xff }),
);
const headerValue = fc.string({
  unit: headerChar.map((c) => String.fromCharCode(c)),
  maxLength: 400,
});

async function status(baseUrl: string, headers: Record<string, string>): Promise<number> {
  return (await sendRequest(`${baseUrl}/me`, { headers })).status;
}

describe.each(ADAPTERS.filter(([name]) => name !== 'node:http + core'))(
  'fuzz over HTTP through %s',
  (_name, start) => {
    let as: AuthorizationServer;
    let api: RunningApi;
    beforeAll(async () => {
      as = await createAuthorizationServer();
      api = await start(attackGuardOptions(as));
    });
    afterAll(async () => {
      await api?.close();
      await as?.close();
    });

    it('any Authorization and DPoP header: only 200/400/401/403/503', async () => {
      const token = await as.mintAccessToken();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            headerValue,
            headerValue.map((v) => `Bearer ${v}`),
            headerValue.map((v) => `DPoP ${token}${v}`),
          ),
          fc.option(headerValue, { nil: undefined }),
          async (authorization, dpop) => {
            const headers: Record<string, string> = { authorization };
            if (dpop !== undefined) headers.dpop = dpop;
            return ALLOWED.has(await status(api.baseUrl, headers));
          },
        ),
        { numRuns: RUNS },
      );
      expect(await status(api.baseUrl, { authorization: `Bearer ${token}` })).toBe(200);
    }, 120_000);
  },
);
