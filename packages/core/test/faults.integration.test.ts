import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenGuard, type TokenGuard } from '../src/create-token-guard.js';
import type { TokenGuardOptions } from '../src/options.js';
import { startApi, testClock } from './support/api.js';

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
        Array.from(
          { length: 10 },
          async (_, i) =>
            (await api.call(await as.mintAccessToken({ sub: `p${phase}-${i}` }))).status,
        ),
      );
      expect({ phase, answers }).toEqual({ phase, answers: Array(10).fill(down ? 503 : 200) });
      expect({ phase, fetches: as.counts.jwks }).toEqual({ phase, fetches: 1 });
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
      expect([401, 503]).toContain((await api.call(forged)).status);
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
        Array.from({ length: 10 }, async () => (await api.call(token)).status),
      );
      expect({ phase, answers }).toEqual({ phase, answers: Array(10).fill(down ? 503 : 200) });
      expect({ phase, calls: as.counts.introspection }).toEqual({ phase, calls: 1 });
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
});
