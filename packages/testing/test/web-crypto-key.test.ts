import { webcrypto } from 'node:crypto';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, createAuthorizationServer, signJwt } from '../src/index.js';

// A non-extractable Web Crypto key (what `crypto.subtle.generateKey(…, false, …)` and jose's
// `generateKeyPair()` give) must sign without Node's DEP0204 warning: Node 24 deprecates
// `KeyObject.from()` for such keys and a later Node throws. Node prints a deprecation once per
// process, so this file has its own process (vitest isolates files) and collects every warning.
const warnings: string[] = [];
process.on('warning', (warning) => {
  warnings.push(`${(warning as { code?: string }).code ?? warning.name}: ${warning.message}`);
});
const settled = () => new Promise((resolve) => setImmediate(resolve));

const PARAMS = {
  RS256: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  PS256: {
    name: 'RSA-PSS',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
} as const;
type Alg = keyof typeof PARAMS;

async function nonExtractable(alg: Alg): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(PARAMS[alg], false, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

let server: AuthorizationServer;
beforeAll(async () => {
  server = await createAuthorizationServer();
});
afterAll(() => server.close());

describe('a non-extractable Web Crypto private key', () => {
  it.each(Object.keys(PARAMS) as Alg[])(
    'signs %s with signJwt and mintAccessToken, verifiable, with no warning',
    async (alg) => {
      const { privateKey, publicKey } = await nonExtractable(alg);

      const signed = await signJwt({
        header: { alg },
        payload: { sub: 'user-123' },
        key: privateKey,
      });
      const minted = await server.mintAccessToken({}, { signingKey: privateKey, kid: 'mine' });

      expect((await jwtVerify(signed, publicKey)).payload).toEqual({ sub: 'user-123' });
      const { protectedHeader } = await jwtVerify(minted, publicKey);
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: 'mine' });
      await settled();
      expect(warnings).toEqual([]);
    },
  );

  it('refuses an algorithm its key cannot compute, naming the key', async () => {
    const { privateKey } = await nonExtractable('ES256');

    await expect(
      signJwt({ header: { alg: 'RS256' }, payload: {}, key: privateKey }),
    ).rejects.toThrow(new TypeError('signJwt: "key" is a ECDSA key, which cannot sign RS256'));
    await expect(
      server.mintAccessToken({}, { signingKey: privateKey, alg: 'EdDSA' }),
    ).rejects.toThrow(TypeError);
  });

  it('refuses a public key', async () => {
    const { publicKey } = await nonExtractable('ES256');

    await expect(
      signJwt({ header: { alg: 'ES256' }, payload: {}, key: publicKey }),
    ).rejects.toThrow(new TypeError('signJwt: "key" must be a private key'));
  });
});
