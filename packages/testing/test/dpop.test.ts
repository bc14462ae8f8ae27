import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
  jwkThumbprint,
} from '../src/index.js';

let server: AuthorizationServer;
beforeAll(async () => {
  server = await createAuthorizationServer();
});
afterAll(() => server.close());

describe('DPoP keys and proofs', () => {
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const)(
    '%s: the proof verifies with its embedded key and the thumbprint matches jose',
    async (alg) => {
      const key = createDpopKey(alg);
      expect(key.thumbprint).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      expect(jwkThumbprint(key.publicJwk)).toBe(key.thumbprint);
      const proof = await createDpopProof({
        key,
        htm: 'GET',
        htu: 'https://api.example.com/orders?page=2#x',
        accessToken: 'the-token',
        nonce: 'n-1',
      });
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
      expect(protectedHeader).toMatchObject({ typ: 'dpop+jwt', alg, jwk: key.publicJwk });
      expect(payload).toMatchObject({
        htm: 'GET',
        htu: 'https://api.example.com/orders',
        ath: createHash('sha256').update('the-token').digest('base64url'),
        nonce: 'n-1',
      });
      expect(typeof payload.jti).toBe('string');
      expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(5);
    },
  );

  it('lets tests build bad proofs through overrides', async () => {
    const key = createDpopKey();
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'https://a.example/x?q',
      rawHtu: true,
      header: { typ: 'JWT', jwk: undefined },
      claims: { jti: undefined, extra: 1 },
    });
    expect(decodeProtectedHeader(proof)).toEqual({ typ: 'JWT', alg: 'ES256' });
    expect(decodeJwt(proof)).toMatchObject({ htu: 'https://a.example/x?q', extra: 1 });
    expect(decodeJwt(proof).jti).toBeUndefined();
  });

  it('makes RSA keys of the size asked, weak ones included', () => {
    const modulusBytes = (alg: 'RS256' | 'PS256', modulusLength: number) =>
      Buffer.from(String(createDpopKey(alg, { modulusLength }).publicJwk.n), 'base64url').length;
    expect(modulusBytes('RS256', 1024)).toBe(128);
    expect(modulusBytes('PS256', 3072)).toBe(384);
    expect(createDpopKey('RS256', { modulusLength: 2048, publicExponent: 3 }).publicJwk.e).toBe(
      'Aw',
    );
  });

  it('validates its arguments', async () => {
    expect(() => createDpopKey('HS256' as never)).toThrow('createDpopKey: "alg"');
    expect(() => createDpopKey('RS256', { modulusLength: 256 })).toThrow(
      new TypeError('createDpopKey: "modulusLength" must be an integer from 512 to 16384'),
    );
    await expect(
      createDpopProof({ key: createDpopKey(), htm: '', htu: 'https://a' }),
    ).rejects.toThrow('createDpopProof: "htm"');
  });
});

describe('token endpoint with DPoP (RFC 9449 §5)', () => {
  const tokenRequest = (headers: Record<string, string>) => {
    const { clientId, clientSecret } = server.defaultClient;
    return fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        ...headers,
      },
      body: 'grant_type=client_credentials',
    });
  };

  it('binds the token to the proof key', async () => {
    const key = createDpopKey();
    const proof = await createDpopProof({ key, htm: 'POST', htu: server.tokenEndpoint });
    const res = await tokenRequest({ dpop: proof });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.thumbprint });
  });

  it('rejects a proof for another URL', async () => {
    const proof = await createDpopProof({
      key: createDpopKey(),
      htm: 'POST',
      htu: `${server.url}/elsewhere`,
    });
    const res = await tokenRequest({ dpop: proof });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_dpop_proof');
  });
});
