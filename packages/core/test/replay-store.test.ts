import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
  type DpopKey,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channels, type StoreEvent } from '../src/diagnostics.js';
import { AuthError } from '../src/errors.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';
import { createMemoryStore, StoreFullError } from '../src/store.js';

// DPoP replay protection (RFC 9449 §11.1) rests on every proof being usable once. The replay
// memory must therefore never forget a jti before the proof's window is over: not when caches
// fill up (introspection answers used to share one LRU with the jtis), and not when the replay
// memory itself is full — then DPoP requests are refused with 503 instead.

const URL = 'https://api.example.com/orders';
let as: AuthorizationServer;
const open: TokenGuard[] = [];

beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as.close());
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

function guardWith(options: Partial<TokenGuardOptions>): TokenGuard {
  const guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
    ...options,
    dpop: { algorithms: ['ES256'], ...options.dpop },
  });
  open.push(guard);
  return guard;
}

/** The status (and, for an AuthError, its headers and reason) of one request. */
async function outcome(guard: TokenGuard, headers: Record<string, string>) {
  try {
    await guard.authenticate({ method: 'GET', url: URL, headers });
    return { status: 200 } as const;
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return { status: error.status, reason: error.reason, headers: error.headers };
  }
}

/** A DPoP-bound token of `key` and a fresh proof for GET URL. */
async function dpopHeaders(key: DpopKey, token?: string): Promise<Record<string, string>> {
  const accessToken = token ?? (await as.mintAccessToken({ cnf: { jkt: key.thumbprint } }));
  const proof = await createDpopProof({ key, htm: 'GET', htu: URL, accessToken });
  return { authorization: `DPoP ${accessToken}`, dpop: proof };
}

const madeUpToken = () => randomBytes(24).toString('base64url');

describe('a captured DPoP proof stays single-use, whatever floods the store', () => {
  it('after more made-up opaque tokens than the introspection cache holds', async () => {
    // The cache keeps 500 answers; 600 made-up tokens each leave a negative answer in it.
    const guard = guardWith({ store: createMemoryStore({ max: 500 }) });
    const captured = await dpopHeaders(createDpopKey());
    expect((await outcome(guard, captured)).status).toBe(200);
    for (let i = 0; i < 600; i += 50) {
      const batch = Array.from({ length: 50 }, () =>
        outcome(guard, { authorization: `Bearer ${madeUpToken()}` }),
      );
      for (const result of await Promise.all(batch)) expect(result.status).toBe(401);
    }
    expect(await outcome(guard, captured)).toMatchObject({ status: 401, reason: 'dpop.replay' });
  });

  it('after 100,000 made-up opaque tokens, at the default sizes', {
    timeout: 120_000,
  }, async () => {
    // The flood the issue measured: about 4 s in one process. The authorization server's
    // answers for the made-up tokens come from an in-process `fetch` (the flood measures the
    // store, not a network stack); keys and the proof's token come from the real server.
    const inactive = () =>
      new Response('{"active":false}', { headers: { 'content-type': 'application/json' } });
    const guard = guardWith({
      introspection: {
        endpoint: as.introspectionEndpoint,
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
      fetch: async (url, init) =>
        url === as.introspectionEndpoint ? inactive() : fetch(url, init),
    });
    const captured = await dpopHeaders(createDpopKey());
    expect((await outcome(guard, captured)).status).toBe(200);
    let rejected = 0;
    for (let i = 0; i < 100_000; i++) {
      const result = await outcome(guard, { authorization: `Bearer flood-${i}-${madeUpToken()}` });
      if (result.status === 401) rejected++;
    }
    expect(rejected).toBe(100_000);
    expect(await outcome(guard, captured)).toMatchObject({ status: 401, reason: 'dpop.replay' });
  });

  it("after a flood of the client's own proofs: when full, 503 for new proofs, never forgetting", async () => {
    const events: StoreEvent[] = [];
    const listen = (event: unknown) => events.push(event as StoreEvent);
    diagnostics.subscribe(channels.store, listen);
    try {
      // A small store so that the flood fills it in a second: 50 live jtis at most.
      const guard = guardWith({ store: createMemoryStore({ max: 50, replayCapacity: 50 }) });
      const key = createDpopKey();
      const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
      const captured = await dpopHeaders(key, token);
      expect((await outcome(guard, captured)).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) {
        const result = await outcome(guard, await dpopHeaders(key, token));
        statuses.push(result.status);
        if (result.status === 503) {
          expect(result.reason).toBe('dpop.replay_store_full');
          expect(Number(result.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
        }
      }
      expect(statuses).toEqual([...Array(49).fill(200), ...Array(11).fill(503)]);
      expect(await outcome(guard, captured)).toMatchObject({ status: 401, reason: 'dpop.replay' });
      expect(events).toContainEqual({
        operation: 'setIfAbsent',
        event: 'full',
        detail: 'dpop replay store full',
      });
      // Bearer tokens need no replay memory: they keep working.
      const bearer = await outcome(guard, {
        authorization: `Bearer ${await as.mintAccessToken()}`,
      });
      expect(bearer.status).toBe(200);
    } finally {
      diagnostics.unsubscribe(channels.store, listen);
    }
  });

  it('dpop.replayCapacity sizes the built-in replay memory', async () => {
    const guard = guardWith({ dpop: { replayCapacity: 20 } });
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const first = await dpopHeaders(key, token);
    const statuses = [(await outcome(guard, first)).status];
    for (let i = 0; i < 20; i++)
      statuses.push((await outcome(guard, await dpopHeaders(key, token))).status);
    expect(statuses).toEqual([...Array(20).fill(200), 503]);
    expect(await outcome(guard, first)).toMatchObject({ status: 401, reason: 'dpop.replay' });
  });

  it('refuses dpop.replayCapacity beside a store it would not size, and bad values', () => {
    const base = { issuer: 'https://as.example/', audience: 'https://api.example' };
    expect(() =>
      createTokenGuard({ ...base, store: createMemoryStore(), dpop: { replayCapacity: 10 } }),
    ).toThrow(TypeError);
    expect(() =>
      createTokenGuard({
        ...base,
        dpop: { replayCapacity: 10, replayStore: createMemoryStore() },
      }),
    ).toThrow('"dpop.replayCapacity"');
    for (const bad of [0, -1, 1.5, Number.NaN, '10']) {
      expect(() => createTokenGuard({ ...base, dpop: { replayCapacity: bad as number } })).toThrow(
        '"dpop.replayCapacity" must be a positive integer',
      );
    }
    expect(() => createMemoryStore({ replayCapacity: 0 })).toThrow(
      '"store.replayCapacity" must be a positive integer',
    );
  });
});

describe('createMemoryStore', () => {
  function clock() {
    let now = 1_000_000;
    return {
      now: () => now,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('never evicts a setIfAbsent entry for set entries; those are an LRU of `max`', async () => {
    const store = createMemoryStore({ max: 10 });
    expect(await store.setIfAbsent('dpop:a', '1', 60_000)).toBe(true);
    for (let i = 0; i < 100; i++) await store.set(`introspection:${i}`, 'x', 60_000);
    expect(await store.setIfAbsent('dpop:a', '1', 60_000)).toBe(false);
    expect(await store.get('dpop:a')).toBe('1');
    expect(await store.get('introspection:0')).toBeUndefined();
    expect(await store.get('introspection:99')).toBe('x');
  });

  it('rejects with StoreFullError when replayCapacity live entries are held, until they expire', async () => {
    const time = clock();
    const store = createMemoryStore({ replayCapacity: 3, clock: time.now });
    for (const key of ['a', 'b', 'c']) expect(await store.setIfAbsent(key, '1', 10_000)).toBe(true);
    // A key it holds is still answered: a replay is a replay, full or not.
    expect(await store.setIfAbsent('a', '1', 10_000)).toBe(false);
    const full = await store.setIfAbsent('d', '1', 10_000).catch((error: unknown) => error);
    expect(full).toBeInstanceOf(StoreFullError);
    expect((full as StoreFullError).retryAfter).toBe(10);
    time.advance(4_000);
    expect(
      ((await store.setIfAbsent('d', '1', 10_000).catch((e) => e)) as StoreFullError).retryAfter,
    ).toBe(6);
    time.advance(6_000);
    expect(await store.setIfAbsent('d', '1', 10_000)).toBe(true);
    expect(await store.setIfAbsent('a', '1', 10_000)).toBe(true);
  });

  it('frees room held by entries with a shorter TTL behind a longer one', async () => {
    const time = clock();
    const store = createMemoryStore({ replayCapacity: 3, clock: time.now });
    expect(await store.setIfAbsent('long', '1', 60_000)).toBe(true);
    expect(await store.setIfAbsent('short-1', '1', 1_000)).toBe(true);
    expect(await store.setIfAbsent('short-2', '1', 1_000)).toBe(true);
    time.advance(2_000);
    expect(await store.setIfAbsent('next-1', '1', 1_000)).toBe(true);
    expect(await store.setIfAbsent('next-2', '1', 1_000)).toBe(true);
    expect(await store.setIfAbsent('long', '1', 60_000)).toBe(false);
  });
});
