// The load generator: autocannon in a process of its own (the parent only orchestrates), on
// 127.0.0.1. It reads token pools from files the parent wrote, and makes DPoP proofs itself,
// right before a run, for the port of the server under test.
import { readFileSync } from 'node:fs';
import { createDpopKey, createDpopProof } from '@tokenguard/testing';
import autocannon from 'autocannon';
import type { Check } from '../frameworks/types.js';
import { serveParent } from '../lib/ipc.js';

/** Where the request headers of a load come from. */
export type Source =
  /** Bearer tokens from a pool file; `cycle` goes round the pool, `once` never reuses a token. */
  | { kind: 'tokens'; file: string; mode: 'cycle' | 'once' }
  /** A fresh DPoP proof per request (the loader's own ES256 key) for one bound access token. */
  | { kind: 'dpop'; token: string; count: number };

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** A `once` pool ran out and had to reuse tokens (the run is then not all-distinct). */
  wrapped: boolean;
  /** The run ended early because its pool was (nearly) used up. */
  exhausted: boolean;
}

const dpopKey = createDpopKey('ES256');
const pools = new Map<string, string[]>();
const pool = (file: string) => {
  let tokens = pools.get(file);
  if (tokens === undefined) {
    tokens = JSON.parse(readFileSync(file, 'utf8')) as string[];
    pools.set(file, tokens);
  }
  return tokens;
};

type Headers = Record<string, string>;
let prepared: { headers: Headers[]; once: boolean } | undefined;

async function prepare(source: Source, port: number): Promise<number> {
  if (source.kind === 'tokens') {
    const headers = pool(source.file).map((token) => ({ authorization: `Bearer ${token}` }));
    prepared = { headers, once: source.mode === 'once' };
  } else {
    const htu = `http://127.0.0.1:${port}/orders`;
    const headers: Headers[] = [];
    for (let i = 0; i < source.count; i++) {
      const proof = await createDpopProof({
        key: dpopKey,
        htm: 'GET',
        htu,
        accessToken: source.token,
      });
      headers.push({ authorization: `DPoP ${source.token}`, dpop: proof });
    }
    prepared = { headers, once: true };
  }
  return prepared.headers.length;
}

function load(port: number, seconds: number, connections: number): Promise<LoadResult> {
  if (prepared === undefined) throw new Error('load before prepare');
  const { headers, once } = prepared;
  prepared = undefined;
  // Stop a little before a `once` pool runs out: autocannon notices a stop at its next sample
  // (every 100 ms), and requests keep flowing until then.
  const margin = Math.min(2_000, Math.floor(headers.length / 4));
  let next = 0;
  let wrapped = false;
  let exhausted = false;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        sampleInt: 100,
        requests: [
          {
            method: 'GET',
            path: '/orders',
            setupRequest: (request) => {
              if (once && !exhausted && next >= headers.length - margin) {
                exhausted = true;
                instance.stop();
              }
              if (next >= headers.length) wrapped = true;
              const extra = headers[next++ % headers.length] as Headers;
              return { ...request, headers: { ...request.headers, ...extra } };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          requests: result.requests.total,
          seconds: result.duration,
          rps: result.requests.total / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          wrapped: once && wrapped,
          exhausted,
        });
      },
    );
  });
}

/** What the sanity step sends: a valid token naming `subject` (bound to our key for DPoP). */
export interface SanityInput {
  token: string;
  subject: string;
  dpop: boolean;
}

/** The same token with one signature character changed: a signature that does not verify. */
export function tamper(token: string): string {
  const at = token.lastIndexOf('.') + Math.floor((token.length - token.lastIndexOf('.')) / 2);
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}

/**
 * The sanity step, before a contender's measurement: each check as a real request to the server
 * under test. Returns what failed, in words (an empty list: every check passed).
 */
async function sanity(port: number, checks: readonly Check[], input: SanityInput) {
  const url = `http://127.0.0.1:${port}/orders`;
  const send = async (token: string, scheme: 'Bearer' | 'DPoP', proof?: string) => {
    const headers: Record<string, string> = { authorization: `${scheme} ${token}` };
    if (proof !== undefined) headers.dpop = proof;
    const res = await fetch(url, { headers });
    const text = await res.text();
    return { status: res.status, text };
  };
  const fresh = (token: string) =>
    createDpopProof({ key: dpopKey, htm: 'GET', htu: url, accessToken: token });
  const scheme = input.dpop ? 'DPoP' : 'Bearer';
  const accepted = async (token: string) =>
    send(token, scheme, input.dpop ? await fresh(token) : undefined);
  const failed: string[] = [];
  for (const check of checks) {
    if (check === 'subject') {
      const { status, text } = await accepted(input.token);
      let sub: unknown;
      try {
        sub = (JSON.parse(text) as { sub?: unknown }).sub;
      } catch {
        sub = undefined;
      }
      if (status !== 200 || sub !== input.subject) {
        failed.push(`subject: ${status} ${JSON.stringify(sub)} for ${input.subject}`);
      }
    } else if (check === 'tampered') {
      const { status } = await accepted(tamper(input.token));
      if (status !== 401) failed.push(`tampered signature: ${status}, not 401`);
    } else if (check === 'inactive') {
      const { status } = await send(`made-up-${Date.now().toString(36)}`, 'Bearer');
      if (status !== 401) failed.push(`made-up opaque token: ${status}, not 401`);
    } else if (check === 'replay') {
      const proof = await fresh(input.token);
      const first = await send(input.token, 'DPoP', proof);
      const second = await send(input.token, 'DPoP', proof);
      if (first.status !== 200 || second.status !== 401) {
        failed.push(`replayed proof: ${first.status} then ${second.status}, not 200 then 401`);
      }
    } else if (check === 'bound-as-bearer') {
      const { status } = await send(input.token, 'Bearer');
      if (status !== 401) failed.push(`bound token as Bearer: ${status}, not 401`);
    }
  }
  return failed;
}

serveParent(
  { dpopThumbprint: dpopKey.thumbprint },
  {
    prepare: (m) => prepare(m.source as Source, m.port as number),
    sanity: (m) => sanity(m.port as number, m.checks as Check[], m.input as SanityInput),
    load: (m) => load(m.port as number, m.seconds as number, m.connections as number),
  },
);
