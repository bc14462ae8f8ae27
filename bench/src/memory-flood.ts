// The memory flood, in a child process of its own (run with --expose-gc): distinct access tokens,
// each DPoP-bound and sent with a fresh proof, through one guard. Every cache a flood can fill is
// hit: the verified-token LRU, the DPoP proof-key LRU (the proof keys cycle through 12,000, more
// than it holds, so each lookup misses), and the jti replay store. Prints heap and RSS after a
// full GC at checkpoints, as JSON.

import { createTokenGuard } from '@tokenguard/core';
import { createAuthorizationServer, createDpopKey, createDpopProof } from '@tokenguard/testing';

const count = Number(process.argv[2] ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const as = await createAuthorizationServer({ algorithm: 'ES256' });
const guard = createTokenGuard({
  issuer: as.issuer,
  audience: as.audience,
  jwksUri: as.jwksUri,
  dpop: { mode: 'allowed' },
});
const url = 'https://api.example.com/orders';
const now = () => Math.floor(Date.now() / 1000);
let serial = 0;
const keys = Array.from({ length: Math.min(count, 12_000) }, () => createDpopKey('ES256'));

async function once(): Promise<void> {
  serial++;
  const key = keys[serial % keys.length] as (typeof keys)[number];
  const token = await as.signJwt({
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
      cnf: { jkt: key.thumbprint },
    },
  });
  const dpop = await createDpopProof({ key, htm: 'GET', htu: url, accessToken: token });
  await guard.authenticate({
    method: 'GET',
    url,
    headers: { authorization: `DPoP ${token}`, dpop },
  });
}

const sample = (done: number) => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { done, heap: heapUsed, rss };
};
for (let i = 0; i < 1_000; i++) await once(); // keys fetched, code optimised
const samples = [sample(0)];
const started = Date.now();
for (let i = 1; i <= count; i++) {
  await once();
  if (i % (count / 4) === 0) samples.push(sample(i));
}
console.log(JSON.stringify({ count, seconds: (Date.now() - started) / 1000, samples }));
await guard.close();
await as.close();
