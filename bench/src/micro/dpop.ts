// DPoP proof checks, one process, one request at a time, a fresh ES256 proof each (RFC 9449
// proofs are single-use): tokenguard beside the floor of one ES256 crypto.verify, a hand-rolled
// synchronous check, jose with EmbeddedJWK plus a thumbprint, and express-oauth2-jwt-bearer.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createTokenGuard } from '@tokenguard/core';
import { createDpopKey, createDpopProof } from '@tokenguard/testing';
import { auth } from 'express-oauth2-jwt-bearer';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import type { AuthServerInfo } from '../auth-server.js';
import { handRolledDpop, handRolledVerifier, type Jwks, remembering } from '../lib/handrolled.js';
import { asMiddleware, mustAccept, type Op, opsPerSecondOnce } from './measure.js';

export interface DpopMicroRun {
  contender: string;
  round: number;
  opsPerSecond: number;
  cpuPerOp: number;
}

export const DPOP_FLOOR = 'crypto.verify ES256 (floor)';
const HTU = 'http://localhost/orders';

export async function runMicroDpop(
  info: AuthServerInfo,
  mintBound: (jkt: string) => Promise<string>,
  options: { rounds: number; proofs: number; quick: boolean; log: (line: string) => void },
): Promise<DpopMicroRun[]> {
  const { issuer, audience, jwksUri } = info;
  const jwks = (await (await fetch(jwksUri)).json()) as Jwks;
  const key = createDpopKey('ES256');
  const token = await mintBound(key.thumbprint);
  const ath = createHash('sha256').update(token).digest('base64url');
  const proofs = async (count: number) => {
    const out: string[] = [];
    for (let i = 0; i < count; i++)
      out.push(await createDpopProof({ key, htm: 'GET', htu: HTU, accessToken: token }));
    return out;
  };

  const floorKey = createPublicKey({ key: key.publicJwk as never, format: 'jwk' });
  const split = new Map<string, { data: Buffer; signature: Buffer }>();
  const floor: Op = (proof) => {
    const { data, signature } = split.get(proof) as { data: Buffer; signature: Buffer };
    return verify('sha256', data, { key: floorKey, dsaEncoding: 'ieee-p1363' }, signature);
  };

  const guard = createTokenGuard({ issuer, audience, jwksUri, dpop: { mode: 'allowed' } });
  const handRolled = handRolledDpop(remembering(handRolledVerifier(jwks, issuer, audience)));
  const verifyToken = remembering(handRolledVerifier(jwks, issuer, audience));
  const seen = new Set<string>();
  const jose: Op = async (proof) => {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
      maxTokenAge: 60,
    });
    const claims = verifyToken(token);
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256');
    if (claims === undefined || (claims.cnf as { jkt?: string }).jkt !== jkt)
      throw new Error('cnf.jkt');
    if (payload.htm !== 'GET' || payload.htu !== HTU || payload.ath !== ath)
      throw new Error('claims');
    if (seen.has(payload.jti as string)) throw new Error('replay');
    seen.add(payload.jti as string);
    return true;
  };
  const auth0 = auth({ issuerBaseURL: issuer, audience, dpop: { enabled: true } });
  const everyone: Array<{ name: string; op: Op; quick?: true }> = [
    { name: DPOP_FLOOR, op: floor, quick: true },
    {
      name: 'hand-rolled node:crypto (proof key cached by thumbprint)',
      op: (proof) =>
        handRolled({ method: 'GET', url: HTU, authorization: `DPoP ${token}`, dpop: proof }),
      quick: true,
    },
    {
      name: 'tokenguard',
      op: (proof) =>
        guard.authenticate({
          method: 'GET',
          url: HTU,
          headers: { authorization: `DPoP ${token}`, dpop: proof },
        }),
      quick: true,
    },
    { name: 'jose jwtVerify (EmbeddedJWK) + thumbprint', op: jose },
    {
      name: 'express-oauth2-jwt-bearer (DPoP on)',
      op: asMiddleware(auth0 as never, (proof) => ({
        authorization: `DPoP ${token}`,
        dpop: proof,
      })),
    },
  ];

  const contenders = everyone.filter((c) => !options.quick || c.quick);
  options.log(`micro DPoP: ${options.proofs} fresh proofs per contender and round`);
  for (const c of contenders) {
    const warm = await proofs(Math.min(500, options.proofs));
    for (const proof of warm.slice(0, 50)) {
      split.set(proof, splitProof(proof));
      await mustAccept(c.name, c.op, proof);
    }
    for (const proof of warm) split.set(proof, splitProof(proof));
    await opsPerSecondOnce(c.op, warm.slice(50));
  }
  const runs: DpopMicroRun[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const c of contenders) {
      const batch = await proofs(options.proofs);
      split.clear();
      for (const proof of batch) split.set(proof, splitProof(proof));
      runs.push({ contender: c.name, round, ...(await opsPerSecondOnce(c.op, batch)) });
    }
  }
  await guard.close();
  return runs;
}

function splitProof(proof: string): { data: Buffer; signature: Buffer } {
  const dot = proof.lastIndexOf('.');
  return {
    data: Buffer.from(proof.slice(0, dot)),
    signature: Buffer.from(proof.slice(dot + 1), 'base64url'),
  };
}
