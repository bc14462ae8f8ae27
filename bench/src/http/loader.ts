// The load generator: autocannon in a process of its own (the parent only orchestrates), on
// 127.0.0.1. It reads token pools from files the parent wrote, and makes DPoP proofs itself,
// right before a run, for the port of the server under test.
import { readFileSync } from 'node:fs';
import { createDpopKey, createDpopProof } from '@tokenguard/testing';
import autocannon from 'autocannon';
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

serveParent(
  { dpopThumbprint: dpopKey.thumbprint },
  {
    prepare: (m) => prepare(m.source as Source, m.port as number),
    load: (m) => load(m.port as number, m.seconds as number, m.connections as number),
  },
);
