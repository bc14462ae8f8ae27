// The memory flood, in a child process of its own (run with --expose-gc): one guard with the
// default capacities (verified tokens 10,000; the store's 100,000 cached answers; the replay
// memory sized for 3,000 proofs/s over the proof window; 10,000 proof keys), three phases of
// `count` requests each, through @tokenguard/testing's authorization server, keys and proofs:
//   1. distinct ES256 JWTs, each with a fresh DPoP proof (the proof keys cycle through 12,000:
//      more than the proof-key LRU holds);
//   2. distinct opaque tokens, each introspected once (over HTTP, to the same server);
//   3. a new DPoP key per request (createDpopKey: the key generation that hung on Node 20 before
//      @tokenguard/testing imported generated keys from DER).
// Prints one JSON line per phase (heap and RSS after a full GC at 0, ¼, ½, ¾ and all of it) and
// progress on stderr, so that a flood that stops shows where.
import { createTokenGuard } from '@tokenguard/core';
import {
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
  type DpopKey,
} from '@tokenguard/testing';

const count = Number(process.argv[2] ?? 200_000);
// Which phases (1-based, comma-separated; all by default): `memory-flood.ts 20000 2`.
const only = process.argv[3]?.split(',').map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const as = await createAuthorizationServer({ algorithm: 'ES256' });
const client = as.registerClient({ clientId: 'memory-flood' });
const guard = createTokenGuard({
  issuer: as.issuer,
  audience: as.audience,
  jwksUri: as.jwksUri,
  dpop: { mode: 'allowed' },
  introspection: { clientId: client.clientId, clientSecret: client.clientSecret },
});
const url = 'https://api.example.com/orders';
const now = () => Math.floor(Date.now() / 1000);
let serial = 0;

function accessToken(jkt?: string): Promise<string> {
  serial++;
  return as.signJwt({
    header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 },
    payload: {
      iss: as.issuer,
      sub: `user-${serial}`,
      aud: as.audience,
      exp: now() + 3600,
      iat: now(),
      jti: `flood-${serial}`,
      client_id: 'bench-client',
      scope: 'orders:read',
      ...(jkt === undefined ? {} : { cnf: { jkt } }),
    },
  });
}

async function withProof(key: DpopKey): Promise<void> {
  const token = await accessToken(key.thumbprint);
  const dpop = await createDpopProof({ key, htm: 'GET', htu: url, accessToken: token });
  await guard.authenticate({
    method: 'GET',
    url,
    headers: { authorization: `DPoP ${token}`, dpop },
  });
}

const cycling = Array.from({ length: Math.min(count, 12_000) }, () => createDpopKey('ES256'));
// The opaque tokens of phase 2, minted before its first sample: the authorization server (in
// this process) remembers every token it mints, which is its memory, not the guard's.
let opaque: string[] = [];

interface Phase {
  name: string;
  prepare?: (count: number) => Promise<void>;
  run: (i: number) => Promise<void>;
}
const phases: Phase[] = [
  {
    name: 'distinct JWTs, each with a fresh DPoP proof',
    run: (i) => withProof(cycling[i % cycling.length] as DpopKey),
  },
  {
    name: 'distinct opaque tokens, each introspected once',
    prepare: async (n) => {
      opaque = [];
      for (let i = 0; i <= n; i++) {
        opaque.push(await as.mintOpaqueToken({ scope: 'orders:read' }, { expiresIn: 3600 }));
      }
    },
    run: async (i) => {
      await guard.authenticate({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${opaque[i] as string}` },
      });
    },
  },
  { name: 'a new DPoP key per request', run: () => withProof(createDpopKey('ES256')) },
];

const sample = (done: number) => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { done, heap: heapUsed, rss };
};
// Keys fetched, code optimised, pools filled: the first thousand of each kind are not growth.
const chosen = phases.filter((_, i) => only === undefined || only.includes(i + 1));
for (const phase of chosen) {
  await phase.prepare?.(1_000);
  for (let i = 0; i < 1_000; i++) await phase.run(i);
}
for (const phase of chosen) {
  await phase.prepare?.(count);
  const started = Date.now();
  const samples = [sample(0)];
  for (let i = 1; i <= count; i++) {
    await phase.run(i);
    if (i % (count / 4) === 0) samples.push(sample(i));
    if (i % 10_000 === 0) process.stderr.write(`    ${phase.name}: ${i}/${count}\n`);
    // Let the event loop turn, as a server's does between requests. Without it a phase runs on
    // promise jobs alone for minutes, the authorization server (in this process) closes the
    // idle keep-alive connection of the introspection client after 5 s, and the client, which
    // has not read that close yet, sends the next call into it: ECONNRESET, a 503, and the flood
    // dies at the start of the next phase (what hung or stopped the 200,000-request flood).
    if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  opaque = [];
  console.log(
    JSON.stringify({ phase: phase.name, count, seconds: (Date.now() - started) / 1000, samples }),
  );
}
await guard.close();
await as.close();
