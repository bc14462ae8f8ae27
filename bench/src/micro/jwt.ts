// Core micro-benchmarks, one process: verifications per second of tokenguard's authenticate()
// beside the floor (one raw crypto.verify with a pre-imported KeyObject), a hand-rolled verify on
// node:crypto, jose, express-oauth2-jwt-bearer's verifier, fast-jwt and aws-jwt-verify.
import { createPublicKey, verify } from 'node:crypto';
import { createTokenGuard } from '@tokenguard/core';
import { JwtVerifier } from 'aws-jwt-verify';
import { auth } from 'express-oauth2-jwt-bearer';
import { createVerifier } from 'fast-jwt';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Alg, AuthServerInfo } from '../auth-server.js';
import { handRolledVerifier, type Jwks } from '../lib/handrolled.js';
import { asMiddleware, mustAccept, type Op, opsPerSecond } from './measure.js';

export interface MicroRun {
  alg: Alg;
  contender: string;
  /** `distinct`: every token new (the signature path); `repeated`: 100 tokens over and over. */
  workload: 'distinct' | 'repeated';
  inFlight: number;
  round: number;
  opsPerSecond: number;
  /** CPU time of the process (every thread) per operation, µs. */
  cpuPerOp: number;
}

interface Contender {
  name: string;
  workload: MicroRun['workload'];
  op: Op;
}

export const FLOOR = 'crypto.verify (floor)';
/** The floor with the check on libuv's threadpool: `crypto.verify` with a callback. */
export const FLOOR_THREADPOOL = 'crypto.verify with a callback (threadpool)';

/** Distinct tokens per algorithm: more than the verified-token cache holds (10,000 by default). */
export const MICRO_POOL = 10_500;

export async function runMicroJwt(
  info: AuthServerInfo,
  tokensFor: (alg: Alg) => Promise<string[]>,
  options: { rounds: number; ms: number; quick: boolean; log: (line: string) => void },
): Promise<MicroRun[]> {
  const { issuer, audience, jwksUri } = info;
  const jwks = (await (await fetch(jwksUri)).json()) as Jwks;
  const runs: MicroRun[] = [];
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    options.log(`micro ${alg}`);
    const distinct = (await tokensFor(alg)).slice(0, MICRO_POOL);
    const repeated = distinct.slice(0, 100);
    const jwk = jwks.keys.find((key) => key.alg === alg);
    if (jwk === undefined) throw new Error(`no ${alg} key in the key set`);
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    const pem = key.export({ type: 'spki', format: 'pem' }).toString();
    // The floor verifies exactly the bytes the others verify, split and decoded beforehand.
    const parts = new Map(
      distinct.map((token) => {
        const dot = token.lastIndexOf('.');
        return [
          token,
          {
            data: Buffer.from(token.slice(0, dot)),
            signature: Buffer.from(token.slice(dot + 1), 'base64url'),
          },
        ];
      }),
    );
    const floor: Op = (token) => {
      const { data, signature } = parts.get(token) as { data: Buffer; signature: Buffer };
      return alg === 'EdDSA'
        ? verify(null, data, key, signature)
        : verify(
            'sha256',
            data,
            alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
            signature,
          );
    };
    const floorThreadpool: Op = (token) => {
      const { data, signature } = parts.get(token) as { data: Buffer; signature: Buffer };
      return new Promise((resolve, reject) => {
        const done = (error: Error | null, ok: boolean) => (error ? reject(error) : resolve(ok));
        if (alg === 'EdDSA') verify(null, data, key, signature, done);
        else
          verify(
            'sha256',
            data,
            alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
            signature,
            done,
          );
      });
    };
    const request = (token: string) => ({
      method: 'GET',
      url: 'http://localhost/orders',
      headers: { authorization: `Bearer ${token}` },
    });
    // Distinct: the default cache, full, and a pool larger than it, so every token misses, is
    // verified and stored while the oldest is evicted: a new token in production. Repeated: the
    // default cache, warmed with the 100 tokens.
    const guard = createTokenGuard({ issuer, audience, jwksUri });
    const cached = createTokenGuard({ issuer, audience, jwksUri });
    const remote = createRemoteJWKSet(new URL(jwksUri));
    const fastStatic = createVerifier({
      key: pem,
      algorithms: [alg],
      allowedIss: issuer,
      allowedAud: audience,
    });
    const fastCached = createVerifier({
      key: pem,
      algorithms: [alg],
      allowedIss: issuer,
      allowedAud: audience,
      cache: true,
    });
    // aws-jwt-verify fetches keys over https only; its docs show handing it the key set instead.
    const aws = JwtVerifier.create({ issuer, audience, jwksUri });
    aws.cacheJwks(jwks as never);
    const auth0 = auth({ issuerBaseURL: issuer, audience, tokenSigningAlg: alg });
    const everyone: Array<Contender & { quick?: true }> = [
      { name: FLOOR, workload: 'distinct', op: floor, quick: true },
      { name: FLOOR_THREADPOOL, workload: 'distinct', op: floorThreadpool, quick: true },
      {
        name: 'hand-rolled node:crypto',
        workload: 'distinct',
        op: handRolledVerifier(jwks, issuer, audience),
        quick: true,
      },
      {
        name: 'tokenguard',
        workload: 'distinct',
        op: (token) => guard.authenticate(request(token)),
        quick: true,
      },
      {
        name: 'tokenguard',
        workload: 'repeated',
        op: (token) => cached.authenticate(request(token)),
        quick: true,
      },
      {
        name: 'jose jwtVerify (remote JWKS)',
        workload: 'distinct',
        op: (token) => jwtVerify(token, remote, { issuer, audience }),
        quick: true,
      },
      {
        name: 'express-oauth2-jwt-bearer',
        workload: 'distinct',
        op: asMiddleware(auth0 as never, (token) => ({ authorization: `Bearer ${token}` })),
      },
      { name: 'fast-jwt (static key)', workload: 'distinct', op: fastStatic },
      { name: 'fast-jwt (cache)', workload: 'repeated', op: fastCached },
      { name: 'aws-jwt-verify', workload: 'distinct', op: (token) => aws.verify(token) },
    ];
    const contenders = everyone.filter((c) => !options.quick || c.quick);
    // Warm-up: keys fetched and imported, caches filled, code optimised; and a check that every
    // contender accepts the tokens (a rejecting contender would measure its error path).
    for (const c of contenders) {
      const pool = c.workload === 'repeated' ? repeated : distinct;
      // The last 100: evicted from tokenguard's cache long before the cursor comes back to them.
      for (const token of pool.slice(-100)) await mustAccept(c.name, c.op, token);
      await opsPerSecond(c.op, pool, Math.min(300, options.ms), 1);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const inFlight of [1, 32]) {
        for (const c of contenders) {
          const pool = c.workload === 'repeated' ? repeated : distinct;
          const measured = await opsPerSecond(c.op, pool, options.ms, inFlight);
          runs.push({ alg, contender: c.name, workload: c.workload, inFlight, round, ...measured });
        }
      }
    }
    await guard.close();
    await cached.close();
  }
  return runs;
}
