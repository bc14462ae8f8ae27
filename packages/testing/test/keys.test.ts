import { createPublicKey, sign, verify as verifySignature } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWK, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createRsaKeyPair,
} from '../src/index.js';

let server: AuthorizationServer;

beforeEach(async () => {
  server = await createAuthorizationServer();
});
afterEach(() => server.close());

async function publishedKeys(): Promise<JWK[]> {
  const response = await fetch(server.jwksUri);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  return ((await response.json()) as { keys: JWK[] }).keys;
}

// A fresh key set each time, so that no cache hides what the server publishes now.
function verify(token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(server.jwksUri)), { issuer: server.issuer });
}

describe('the JWKS', () => {
  it('publishes one public signing key per algorithm', async () => {
    const keys = await publishedKeys();

    expect(keys.map((key) => [key.alg, key.kty, key.crv])).toEqual([
      ['RS256', 'RSA', undefined],
      ['PS256', 'RSA', undefined],
      ['ES256', 'EC', 'P-256'],
      ['EdDSA', 'OKP', 'Ed25519'],
    ]);
    for (const key of keys) {
      expect(key.use).toBe('sig');
      expect(key.kid).toBe(server.kids[key.alg as 'RS256']);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(key).not.toHaveProperty(secret);
    }
    expect(Buffer.from(keys[0]?.n ?? '', 'base64url')).toHaveLength(256);
    expect(await publishedKeys()).toEqual(server.jwks().keys);
  });
});

describe('rotateKeys', () => {
  it('signs with fresh kids and drops the old keys from the JWKS', async () => {
    const before = { ...server.kids };
    const old = await server.mintAccessToken();

    const after = await server.rotateKeys();

    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
      expect(after[alg]).toEqual(expect.any(String));
      expect(after[alg]).not.toBe(before[alg]);
    }
    expect((await publishedKeys()).map((key) => key.kid)).toEqual(Object.values(after));
    await expect(verify(old)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    const fresh = await server.mintAccessToken();
    expect(decodeProtectedHeader(fresh).kid).toBe(after.ES256);
    await expect(verify(fresh)).resolves.toBeDefined();
  });

  it('keeps the previous keys published with keepPrevious', async () => {
    const old = await server.mintAccessToken();

    const after = await server.rotateKeys({ keepPrevious: true, algorithms: ['ES256'] });

    const kids = (await publishedKeys()).map((key) => key.kid);
    expect(kids).toHaveLength(5);
    expect(kids).toContain(decodeProtectedHeader(old).kid);
    expect(kids).toContain(after.ES256);
    await expect(verify(old)).resolves.toBeDefined();
    await expect(verify(await server.mintAccessToken())).resolves.toBeDefined();
  });
});

describe('addKey', () => {
  it('publishes a 1024-bit RSA key and signs with it when asked by kid', async () => {
    const { kid, publicJwk } = await server.addKey({ alg: 'RS256', modulusLength: 1024 });

    const token = await server.mintAccessToken({}, { kid });

    expect(Buffer.from(publicJwk.n ?? '', 'base64url')).toHaveLength(128);
    expect((await publishedKeys()).find((key) => key.kid === kid)).toEqual(publicJwk);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const valid = verifySignature(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey({ key: publicJwk, format: 'jwk' }),
      Buffer.from(signature, 'base64url'),
    );
    expect(valid).toBe(true);
    await expect(verify(token)).rejects.toThrow(/modulusLength to be 2048 bits or larger/);
  });

  it('publishes an RSA key with public exponent 3', async () => {
    const { publicJwk } = await server.addKey({ alg: 'PS256', publicExponent: 3 });
    expect(publicJwk.e).toBe('Aw');
  });

  it('merges JWK members into the published key', async () => {
    const { kid } = await server.addKey({
      alg: 'ES256',
      jwk: { use: 'enc', key_ops: ['encrypt'], kid: 'enc-key' },
    });

    expect(kid).toBe('enc-key');
    const published = (await publishedKeys()).find((key) => key.kid === 'enc-key');
    expect(published).toMatchObject({ use: 'enc', key_ops: ['encrypt'], alg: 'ES256' });
  });

  it('rejects options that do not fit the algorithm', async () => {
    await expect(server.addKey({ alg: 'ES256', modulusLength: 1024 })).rejects.toThrow(
      'addKey: "modulusLength" must be an integer from 512 to 16384, for an RSA algorithm',
    );
    await expect(server.addKey({ alg: 'RS256', publicExponent: 4 })).rejects.toThrow(TypeError);
    await expect(server.addKey({ alg: 'HS256' as 'RS256' })).rejects.toThrow(
      'addKey: "alg" must be one of RS256, PS256, ES256, EdDSA',
    );
  });
});

describe('RSA keys beyond the usual limits', () => {
  const signsAndVerifies = (pair: ReturnType<typeof createRsaKeyPair>) => {
    const data = Buffer.from('signed data');
    return verifySignature('sha256', data, pair.publicKey, sign('sha256', data, pair.privateKey));
  };

  it('makes a 16384-bit key, exactly, that Node signs and verifies with', () => {
    const pair = createRsaKeyPair({ modulusLength: 16384 });
    expect(pair.publicKey.asymmetricKeyDetails).toEqual({
      modulusLength: 16384,
      publicExponent: 65537n,
    });
    expect(signsAndVerifies(pair)).toBe(true);
  });

  it('makes a 3072-bit key with a 3070-bit public exponent', () => {
    const pair = createRsaKeyPair({ modulusLength: 3072, publicExponentLength: 3070 });
    const details = pair.publicKey.asymmetricKeyDetails!;
    expect(details.modulusLength).toBe(3072);
    expect(details.publicExponent!.toString(2)).toHaveLength(3070);
    expect(signsAndVerifies(pair)).toBe(true);
  });

  it('publishes such keys through addKey, and makes DPoP keys of them', async () => {
    const { kid, publicJwk } = await server.addKey({ alg: 'RS256', modulusLength: 8192 });
    expect(Buffer.from(publicJwk.n ?? '', 'base64url')).toHaveLength(1024);
    const token = await server.mintAccessToken({}, { kid });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(
      verifySignature(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey({ key: publicJwk, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
    const dpop = createDpopKey('RS256', { modulusLength: 3072, publicExponentLength: 3070 });
    expect(Buffer.from(dpop.publicJwk.e ?? '', 'base64url')).toHaveLength(384);
  });

  it('rejects sizes it cannot make', async () => {
    expect(() => createRsaKeyPair({ modulusLength: 16385 })).toThrow(
      'createRsaKeyPair: "modulusLength" must be an integer from 2048 to 16384',
    );
    expect(() => createRsaKeyPair({ modulusLength: 2048, publicExponentLength: 2048 })).toThrow(
      TypeError,
    );
    expect(() => createDpopKey('ES256', { modulusLength: 4096 })).toThrow(
      'createDpopKey: RSA options need "alg" RS256 or PS256',
    );
    await expect(
      server.addKey({ alg: 'RS256', publicExponent: 3, publicExponentLength: 100 }),
    ).rejects.toThrow(TypeError);
  });
});

describe('removeKey', () => {
  it('takes the key out of the JWKS', async () => {
    const { kid } = await server.addKey({ alg: 'EdDSA' });
    const token = await server.mintAccessToken({}, { kid });
    await expect(verify(token)).resolves.toBeDefined();

    expect(server.removeKey(kid)).toBe(true);
    expect(server.removeKey(kid)).toBe(false);

    expect((await publishedKeys()).map((key) => key.kid)).not.toContain(kid);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('stops minting with a removed signing key until the next rotation', async () => {
    server.removeKey(server.kids.ES256!);

    expect(server.kids.ES256).toBeUndefined();
    await expect(server.mintAccessToken()).rejects.toThrow(
      'mintAccessToken: the ES256 signing key was removed; call rotateKeys()',
    );
    await server.rotateKeys({ algorithms: ['ES256'] });
    await expect(verify(await server.mintAccessToken())).resolves.toBeDefined();
  });
});
