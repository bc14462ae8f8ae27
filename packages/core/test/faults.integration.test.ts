import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';
import { type ApiResponse, startApi, testClock } from './support/api.js';

// Faults that come and go. Single faults (down, slow, oversized, non-JSON) are covered in
// jwks.integration and introspection.integration; here they flap, and the guard must answer 503
// (never an accept) while down, recover without a restart, and call upstream at most once per
// backoff window whatever the request rate.
let as: AuthorizationServer;
let guard: TokenGuard | undefined;
let api: Awaited<ReturnType<typeof startApi>> | undefined;
let clock: ReturnType<typeof testClock>;

beforeEach(async () => {
  as = await createAuthorizationServer();
  clock = testClock();
});
afterEach(async () => {
  await api?.close();
  await guard?.close();
  await as.close();
});

async function start(options: Partial<TokenGuardOptions>) {
  guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    clock: clock.now,
    ...options,
  });
  api = await startApi(guard);
  return api;
}

const FAULTS = [
  { status: 500 },
  { body: 'not json', contentType: 'text/plain' },
  { oversized: 700 * 1024 },
  { status: 302 },
] as const;

/** What a client sees, reduced to what matters here: the status, and Retry-After on a 503. */
function outcome(res: ApiResponse): { status: number; retryAfter?: boolean } {
  if (res.status !== 503) return { status: res.status };
  const retryAfter = Number(res.headers.get('retry-after'));
  return { status: 503, retryAfter: Number.isInteger(retryAfter) && retryAfter > 0 };
}
const UP = { status: 200 };
const DOWN = { status: 503, retryAfter: true };

describe('flapping upstreams', () => {
  it('JWKS up, down, up, down…: 200 when up, 503 when down, one fetch per window', async () => {
    const api = await start({
      jwks: { cacheMaxAge: 1, staleMaxAge: 0, failureBackoff: 1, cooldown: 0 },
    });
    for (let phase = 0; phase < 8; phase++) {
      const down = phase % 2 === 1;
      const fault = FAULTS[(phase >> 1) % FAULTS.length]!;
      if (down) as.faults.set('jwks', fault);
      else as.faults.clear('jwks');
      clock.advance(2); // the key set expired and any backoff is over: the next request fetches
      as.resetCounts();
      const answers = await Promise.all(
        Array.from({ length: 10 }, async (_, i) =>
          outcome(await api.call(await as.mintAccessToken({ sub: `p${phase}-${i}` }))),
        ),
      );
      expect({ phase, answers }).toEqual({ phase, answers: Array(10).fill(down ? DOWN : UP) });
      expect({ phase, fetches: as.counts.jwks }).toEqual({ phase, fetches: 1 });
      // Within the backoff window, sequential requests do not ask again.
      if (down) {
        for (let i = 0; i < 3; i++) {
          expect(outcome(await api.call(await as.mintAccessToken({ sub: `again-${i}` })))).toEqual(
            DOWN,
          );
        }
        expect({ phase, fetches: as.counts.jwks }).toEqual({ phase, fetches: 1 });
      }
    }
  });

  it('a tampered token is never accepted, whatever state the JWKS is in', async () => {
    const api = await start({ jwks: { cacheMaxAge: 1, staleMaxAge: 0, failureBackoff: 1 } });
    const [h, p] = (await as.mintAccessToken()).split('.');
    const forged = `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`;
    for (let phase = 0; phase < 4; phase++) {
      if (phase % 2 === 1) as.faults.set('jwks', { status: 500 });
      else as.faults.clear('jwks');
      clock.advance(2);
      const res = outcome(await api.call(forged));
      expect([{ status: 401 }, DOWN]).toContainEqual(res);
    }
  });

  it('introspection up, down, up, down…: one call per token when up, one per backoff when down', async () => {
    const api = await start({
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
        failureBackoff: 1,
      },
    });
    for (let phase = 0; phase < 8; phase++) {
      const down = phase % 2 === 1;
      const fault = FAULTS[(phase >> 1) % FAULTS.length]!;
      if (down) as.faults.set('introspection', fault);
      else as.faults.clear('introspection');
      clock.advance(2);
      const token = await as.mintOpaqueToken({ sub: `phase-${phase}` });
      as.resetCounts();
      const answers = await Promise.all(
        Array.from({ length: 10 }, async () => outcome(await api.call(token))),
      );
      expect({ phase, answers }).toEqual({ phase, answers: Array(10).fill(down ? DOWN : UP) });
      expect({ phase, calls: as.counts.introspection }).toEqual({ phase, calls: 1 });
      if (down) {
        const other = await as.mintOpaqueToken({ sub: `other-${phase}` });
        expect(outcome(await api.call(other))).toEqual(DOWN);
        expect({ phase, calls: as.counts.introspection }).toEqual({ phase, calls: 1 });
      }
    }
  });

  it('discovery down at startup, then up: recovers without a restart', async () => {
    as.faults.set('metadata', { hang: true });
    const api = await start({ jwks: { timeout: 0.3, failureBackoff: 1 } });
    expect((await api.call(await as.mintAccessToken())).status).toBe(503);
    as.faults.clear('metadata');
    clock.advance(2);
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
  });

  it('slow but in time is not an outage; too slow is, and both recover', async () => {
    const api = await start({
      jwks: { cacheMaxAge: 1, staleMaxAge: 0, failureBackoff: 1, cooldown: 0, timeout: 0.5 },
    });
    const sequence = [
      [{ delayMs: 50 }, UP],
      [{ delayMs: 1_500 }, DOWN],
      [undefined, UP],
      [{ hang: true }, DOWN],
      [{ delayMs: 100 }, UP],
    ] as const;
    for (const [fault, expected] of sequence) {
      if (fault === undefined) as.faults.clear('jwks');
      else as.faults.set('jwks', fault);
      clock.advance(2);
      expect({ fault, answer: outcome(await api.call(await as.mintAccessToken())) }).toEqual({
        fault,
        answer: expected,
      });
    }
    as.faults.clear();
  });

  it('discovery down after startup does not matter: the known jwks_uri keeps serving', async () => {
    const api = await start({ jwks: { cacheMaxAge: 1, staleMaxAge: 0, failureBackoff: 1 } });
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
    for (const fault of FAULTS) {
      as.faults.set('metadata', fault);
      clock.advance(2); // keys and metadata are both past their age: both are fetched again
      expect({ fault, status: (await api.call(await as.mintAccessToken())).status }).toEqual({
        fault,
        status: 200,
      });
    }
    expect(as.counts.metadata).toBeGreaterThan(0);
  });

  it('JWKS and introspection down together, then back one at a time', async () => {
    const api = await start({
      jwks: { cacheMaxAge: 1, staleMaxAge: 0, failureBackoff: 1 },
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
        failureBackoff: 1,
      },
    });
    const both = async () => [
      outcome(await api.call(await as.mintAccessToken())),
      outcome(await api.call(await as.mintOpaqueToken())),
    ];
    expect(await both()).toEqual([UP, UP]);
    as.faults.set('jwks', { status: 503 });
    as.faults.set('introspection', { status: 503 });
    clock.advance(2);
    expect(await both()).toEqual([DOWN, DOWN]);
    as.faults.clear('introspection');
    clock.advance(2);
    expect(await both()).toEqual([DOWN, UP]);
    as.faults.clear('jwks');
    clock.advance(2);
    expect(await both()).toEqual([UP, UP]);
  });

  // An authorization server that refuses one token with a 400 (as oidc-provider does for anything
  // JWT-like: `unsupported_token_type`) rejects that token; it is not an outage, so it must not
  // start the failure backoff that would make every other client's opaque token 503.
  it('a 400 refusal of one token does not make the next, valid token 503', async () => {
    const api = await start({
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
    });
    as.faults.set('introspection', {
      status: 400,
      body: '{"error":"unsupported_token_type"}',
      contentType: 'application/json',
      times: 1,
    });
    expect((await api.call('crafted-by-an-attacker')).status).toBe(401);
    expect((await api.call(await as.mintOpaqueToken())).status).toBe(200);
  });
});
