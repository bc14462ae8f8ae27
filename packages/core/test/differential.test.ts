import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';

// tokenguard verifies JWTs on node:crypto for speed; jose is the reference. For the same keys and
// tokens (valid ones, and each one broken in many ways), both must reach the same verdict.
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example';
const ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const keys = new Map<string, { privateKey: PrivateKey; jwk: JWK }>();
let guard: TokenGuard;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  const published: JWK[] = [];
  for (const alg of ALGS) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg, use: 'sig' };
    keys.set(alg, { privateKey, jwk });
    published.push(jwk);
  }
  const body = JSON.stringify({ keys: published });
  jwks = createLocalJWKSet({ keys: published });
  guard = createTokenGuard({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `${ISSUER}/jwks`,
    cache: false,
    // The JWKS is served from memory through the `fetch` option: no network in this test.
    fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
  });
});

async function ours(token: string): Promise<boolean> {
  try {
    await guard.authenticate({
      method: 'GET',
      url: 'https://api.example/',
      headers: { authorization: `Bearer ${token}` },
    });
    return true;
  } catch (error) {
    if (error instanceof AuthError && error.status === 401) return false;
    throw error;
  }
}

async function reference(token: string): Promise<boolean> {
  try {
    await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: [...ALGS],
      typ: 'at+jwt',
      requiredClaims: ['exp'],
      clockTolerance: 30,
    });
    return true;
  } catch {
    return false;
  }
}

function mutations(token: string): string[] {
  const [h, p, s] = token.split('.') as [string, string, string];
  const flip = (part: string, i: number) => {
    const c = part[i]!;
    return part.slice(0, i) + (c === 'A' ? 'B' : 'A') + part.slice(i + 1);
  };
  return [
    `${flip(h, 3)}.${p}.${s}`,
    `${h}.${flip(p, 5)}.${s}`,
    `${h}.${p}.${flip(s, 0)}`,
    `${h}.${p}.${flip(s, Math.floor(s.length / 2))}`,
    `${h}.${p}.${s.slice(0, -4)}`,
    `${h}.${p}.`,
    `${h}.${p}.${s}${s.slice(0, 4)}`,
  ];
}

describe('differential: tokenguard and jose agree', () => {
  it.each(ALGS)('%s: valid tokens pass both, mutated tokens fail both', async (alg) => {
    const { privateKey, jwk } = keys.get(alg)!;
    for (let i = 0; i < 5; i++) {
      const token = await new SignJWT({ scope: 'a b', n: i, nested: { x: [i] } })
        .setProtectedHeader({ alg, kid: jwk.kid!, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(`user-${i}`)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      expect(await ours(token)).toBe(true);
      expect(await reference(token)).toBe(true);
      for (const mutated of mutations(token)) {
        expect({ mutated, verdict: await ours(mutated) }).toEqual({
          mutated,
          verdict: await reference(mutated),
        });
      }
    }
  });

  it('agree that a token signed with one algorithm does not verify as another', async () => {
    const es = keys.get('ES256')!;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: keys.get('ES384')!.jwk.kid!, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(es.privateKey);
    expect(await ours(token)).toBe(false);
    expect(await reference(token)).toBe(false);
  });
});
