import {
  type AuthorizationServer,
  createAuthorizationServer,
  type Fault,
  type FaultEndpoint,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApi } from '../src/apps/index.js';

// Upstream faults through every adapter: JWKS, discovery and introspection down, hanging,
// oversized, non-JSON, redirecting and flapping. While an upstream is down the API answers 503
// with Retry-After, Cache-Control: no-store and the RFC 6750 body (never an accept, never a 401), asks upstream at most
// once per failure backoff, and recovers without a restart. core's own tests cover the single
// faults in depth; here every framework must carry core's answer through unchanged.

const FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ['500', { status: 500 }],
  ['hanging (past the timeout)', { hang: true }],
  ['oversized', { oversized: 700 * 1024 }],
  ['not JSON', { body: '<html>down</html>', contentType: 'text/html' }],
  ['redirecting', { status: 302 }],
];

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The authorization service is temporarily unavailable',
};

interface Outcome {
  status: number;
  retryAfter?: boolean;
  cacheControl?: string | null;
  body?: unknown;
}

async function outcome(api: RunningApi, token: string): Promise<Outcome> {
  const res = await fetch(`${api.baseUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 503) return { status: res.status };
  const retryAfter = Number(res.headers.get('retry-after'));
  return {
    status: 503,
    retryAfter: Number.isInteger(retryAfter) && retryAfter > 0,
    cacheControl: res.headers.get('cache-control'),
    body: text ? JSON.parse(text) : undefined,
  };
}
const UP: Outcome = { status: 200 };
// Every 503 says when to retry, and that it must not be stored.
const DOWN: Outcome = {
  status: 503,
  retryAfter: true,
  cacheControl: 'no-store',
  body: UNAVAILABLE,
};

describe.each(ADAPTERS)('upstream faults through %s', (_name, start) => {
  let as: AuthorizationServer;
  let api: RunningApi | undefined;
  let offset = 0;
  const advance = (seconds: number) => {
    offset += seconds * 1000;
  };

  beforeAll(async () => {
    as = await createAuthorizationServer();
  });
  afterEach(async () => {
    as.faults.clear();
    await api?.close();
    api = undefined;
  });
  afterAll(() => as?.close());

  const startApi = async () => {
    api = await start({
      issuer: as.issuer,
      audience: as.audience,
      jwks: { cacheMaxAge: 1, staleMaxAge: 0, failureBackoff: 1, cooldown: 0, timeout: 0.3 },
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
        failureBackoff: 1,
        timeout: 0.3,
      },
      clock: () => Date.now() + offset,
    });
    return api;
  };

  const token: Record<'jwks' | 'introspection', () => Promise<string>> = {
    jwks: () => as.mintAccessToken(),
    introspection: () => as.mintOpaqueToken(),
  };

  describe.each(['jwks', 'introspection'] as const)('%s', (endpoint) => {
    it.each(FAULTS)(
      '%s: 503 with Retry-After, one upstream call per backoff, recovery',
      async (_label, fault) => {
        const api = await startApi();
        expect(await outcome(api, await token[endpoint]())).toEqual(UP);

        as.faults.set(endpoint, fault);
        advance(2); // the key set is stale and no backoff is running: the next request asks
        as.resetCounts();
        // Concurrent requests with the same token share one upstream call…
        const same = await token[endpoint]();
        const down = await Promise.all(Array.from({ length: 5 }, () => outcome(api, same)));
        expect(down).toEqual(Array(5).fill(DOWN));
        // …and within the backoff window nobody asks again, whatever the token.
        expect(await outcome(api, await token[endpoint]())).toEqual(DOWN);
        expect(as.counts[endpoint]).toBe(1);

        as.faults.clear(endpoint);
        advance(2);
        expect(await outcome(api, await token[endpoint]())).toEqual(UP);
      },
    );

    it('flapping: up, down, up, down…', async () => {
      const api = await startApi();
      for (let phase = 0; phase < 6; phase++) {
        const down = phase % 2 === 1;
        const fault = (FAULTS[phase % FAULTS.length] as (typeof FAULTS)[number])[1];
        if (down) as.faults.set(endpoint, fault);
        else as.faults.clear(endpoint);
        advance(2);
        const answers = await Promise.all(
          Array.from({ length: 3 }, async () => outcome(api, await token[endpoint]())),
        );
        expect({ phase, answers }).toEqual({ phase, answers: Array(3).fill(down ? DOWN : UP) });
      }
    });
  });

  it.each(FAULTS)(
    'discovery %s at startup: 503 with Retry-After, then recovery without a restart',
    async (_label, fault) => {
      as.faults.set('metadata' satisfies FaultEndpoint, fault);
      const api = await startApi();
      expect(await outcome(api, await as.mintAccessToken())).toEqual(DOWN);
      as.faults.clear('metadata');
      advance(2);
      expect(await outcome(api, await as.mintAccessToken())).toEqual(UP);
      expect(await outcome(api, await as.mintOpaqueToken())).toEqual(UP);
    },
  );
});
