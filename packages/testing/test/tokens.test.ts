import { generateKeyPairSync } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  SIGNING_ALGORITHMS,
  signJwt,
} from '../src/index.js';
import { nowSeconds, parts } from './helpers.js';

let server: AuthorizationServer;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  server = await createAuthorizationServer();
  jwks = createRemoteJWKSet(new URL(server.jwksUri));
});
afterAll(() => server.close());

function verify(token: string, algorithms: string[] = [...SIGNING_ALGORITHMS]) {
  return jwtVerify(token, jwks, {
    issuer: server.issuer,
    audience: server.audience,
    typ: 'at+jwt',
    algorithms,
  });
}

describe('mintAccessToken', () => {
  it.each(SIGNING_ALGORITHMS)(
    'signs with the published %s key, verifiable over HTTP',
    async (alg) => {
      const token = await server.mintAccessToken({}, { alg });

      const { protectedHeader } = await verify(token, [alg]);

      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: server.kids[alg] });
    },
  );

  it('signs with the default algorithm, ES256', async () => {
    expect(server.algorithm).toBe('ES256');
    expect(decodeProtectedHeader(await server.mintAccessToken()).alg).toBe('ES256');
  });

  it('carries the RFC 9068 claims, field by field', async () => {
    const before = nowSeconds();
    const token = await server.mintAccessToken();
    const after = nowSeconds();

    const { payload } = await verify(token);

    expect(Object.keys(payload)).toEqual([
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'jti',
      'client_id',
      'scope',
    ]);
    expect(payload.iss).toBe(server.issuer);
    expect(payload.iss).toBe(server.url);
    expect(payload.sub).toBe('user-123');
    expect(payload.aud).toBe('https://api.example.com');
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.exp).toBe((payload.iat as number) + 300);
    expect(payload.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(payload.client_id).toBe('test-client');
    expect(payload.scope).toBe('orders:read');
  });

  it('gives every token its own jti', async () => {
    const a = decodeJwt(await server.mintAccessToken());
    const b = decodeJwt(await server.mintAccessToken());
    expect(a.jti).not.toBe(b.jti);
  });

  it('lets claims override and extend the defaults', async () => {
    const token = await server.mintAccessToken({
      sub: 'alice',
      aud: ['https://api.example.com', 'https://other.example.com'],
      scope: 'orders:read orders:write',
      cnf: { jkt: 'thumbprint' },
      tenant: { id: 7 },
    });

    const { payload } = await verify(token);

    expect(payload.sub).toBe('alice');
    expect(payload.aud).toEqual(['https://api.example.com', 'https://other.example.com']);
    expect(payload.scope).toBe('orders:read orders:write');
    expect(payload.cnf).toEqual({ jkt: 'thumbprint' });
    expect(payload.tenant).toEqual({ id: 7 });
    expect(payload.client_id).toBe('test-client');
  });

  it('removes a claim set to undefined', async () => {
    const token = await server.mintAccessToken({
      exp: undefined,
      jti: undefined,
      scope: undefined,
    });

    const payload = decodeJwt(token);

    expect(payload).not.toHaveProperty('exp');
    expect(payload).not.toHaveProperty('jti');
    expect(payload).not.toHaveProperty('scope');
    expect(payload.sub).toBe('user-123');
  });

  it('passes claims of the wrong type through untouched', async () => {
    const payload = decodeJwt(await server.mintAccessToken({ exp: 'tomorrow', aud: 42 }));
    expect(payload.exp).toBe('tomorrow');
    expect(payload.aud).toBe(42);
  });

  it('mints an expired token with a negative expiresIn', async () => {
    const token = await server.mintAccessToken({}, { expiresIn: -60 });

    const payload = decodeJwt(token);
    expect(payload.exp).toBe((payload.iat as number) - 60);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('mints a not-yet-valid token with notBefore', async () => {
    const token = await server.mintAccessToken({}, { notBefore: 120 });

    const payload = decodeJwt(token);
    expect(payload.nbf).toBe((payload.iat as number) + 120);
    await expect(verify(token)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'nbf',
    });
  });

  it('moves iat with issuedAt and keeps exp relative to now', async () => {
    const before = nowSeconds();
    const payload = decodeJwt(await server.mintAccessToken({}, { issuedAt: -3600 }));
    expect(payload.iat).toBeGreaterThanOrEqual(before - 3600);
    expect(payload.exp).toBe((payload.iat as number) + 3600 + 300);
  });

  it('sets, replaces or drops typ', async () => {
    const jwt = await server.mintAccessToken({}, { typ: 'JWT' });
    const none = await server.mintAccessToken({}, { typ: null });

    expect(decodeProtectedHeader(jwt).typ).toBe('JWT');
    expect(decodeProtectedHeader(none)).not.toHaveProperty('typ');
    await expect(verify(jwt)).rejects.toMatchObject({ claim: 'typ' });
  });

  it('adds, overrides and removes protected header members', async () => {
    const token = await server.mintAccessToken(
      {},
      { header: { jku: 'https://attacker.example/jwks', crit: ['exp'], kid: undefined } },
    );

    expect(parts(token).header).toBe(
      '{"alg":"ES256","typ":"at+jwt","jku":"https://attacker.example/jwks","crit":["exp"]}',
    );
  });

  it('signs with the usual key but carries a kid that is not published', async () => {
    const token = await server.mintAccessToken({}, { kid: 'not-published' });

    expect(decodeProtectedHeader(token).kid).toBe('not-published');
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('signs with an unpublished key whose kid is not in the JWKS', async () => {
    const token = await server.mintAccessToken({}, { key: 'unpublished' });

    const kid = decodeProtectedHeader(token).kid;
    expect(kid).toEqual(expect.any(String));
    expect(server.jwks().keys.map((key) => key.kid)).not.toContain(kid);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('signs with an unpublished key under a published kid', async () => {
    const token = await server.mintAccessToken({}, { key: 'unpublished', kid: server.kids.ES256 });

    expect(decodeProtectedHeader(token).kid).toBe(server.kids.ES256);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it('mints an unsigned token with alg none: empty signature part', async () => {
    const token = await server.mintAccessToken({}, { alg: 'none' });

    expect(token.split('.')).toHaveLength(3);
    expect(parts(token).signature).toBe('');
    expect(token.endsWith('.')).toBe(true);
    expect(JSON.parse(parts(token).header)).toEqual({ alg: 'none', typ: 'at+jwt' });
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
  });

  it('signs HS256 with the given secret', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!';
    const token = await server.mintAccessToken({}, { alg: 'HS256', secret });

    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret));

    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload.sub).toBe('user-123');
  });

  it('signs with a caller-supplied private key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const token = await server.mintAccessToken({}, { signingKey: privateKey, kid: 'mine' });

    const { protectedHeader } = await jwtVerify(token, publicKey);

    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'mine' });
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('infers the algorithm from a KeyObject and honours an explicit one', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

    const es = await server.mintAccessToken({}, { signingKey: ec.privateKey });
    const ps = await server.mintAccessToken({}, { signingKey: rsa.privateKey, alg: 'PS256' });

    expect((await jwtVerify(es, ec.publicKey)).protectedHeader.alg).toBe('ES256');
    expect((await jwtVerify(ps, rsa.publicKey)).protectedHeader.alg).toBe('PS256');
  });

  it('rejects bad arguments with a TypeError naming them', async () => {
    await expect(server.mintAccessToken({}, { alg: 'HS512' as 'HS256' })).rejects.toThrow(
      new TypeError(
        'mintAccessToken: "opts.alg" must be one of RS256, PS256, ES256, EdDSA, HS256, none',
      ),
    );
    await expect(server.mintAccessToken({}, { alg: 'HS256' })).rejects.toThrow(
      /mintAccessToken: "opts.secret" .* is required for HS256/,
    );
    await expect(server.mintAccessToken({}, { expiresIn: Number.NaN })).rejects.toThrow(
      'mintAccessToken: "opts.expiresIn" must be a finite number of seconds',
    );
    await expect(server.mintAccessToken({}, { key: 'other' as 'unpublished' })).rejects.toThrow(
      TypeError,
    );
    await expect(server.mintAccessToken([] as unknown as Record<string, unknown>)).rejects.toThrow(
      'mintAccessToken: "claims" must be an object',
    );
    await expect(server.mintAccessToken({}, { signingKey: { kty: 'EC' } })).rejects.toThrow(
      /"opts.signingKey" must be a private KeyObject, CryptoKey or JWK/,
    );
  });
});

describe('signJwt', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('signs the header and payload exactly as given', async () => {
    const token = await signJwt({
      header: { alg: 'ES256', kid: 'k1' },
      payload: { sub: 'user-123' },
      key: ec.privateKey,
    });

    expect(parts(token).header).toBe('{"alg":"ES256","kid":"k1"}');
    expect(parts(token).payload).toBe('{"sub":"user-123"}');
    expect((await jwtVerify(token, ec.publicKey)).payload).toEqual({ sub: 'user-123' });
  });

  it('signs raw JSON text, duplicate members included', async () => {
    const payloadJson = '{"sub":"user-123","sub":"admin"}';
    const headerJson = '{"alg":"ES256","alg":"none"}';

    const token = await signJwt({ headerJson, payloadJson, key: ec.privateKey, alg: 'ES256' });

    expect(parts(token).header).toBe(headerJson);
    expect(parts(token).payload).toBe(payloadJson);
    expect(parts(token).signature).not.toBe('');
  });

  it('gives alg none an empty signature part', async () => {
    const token = await signJwt({ header: { alg: 'none' }, payload: { sub: 'x' } });
    expect(token).toBe(
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`,
    );
  });

  it('lets the header lie about the algorithm', async () => {
    const secret = 'secret';
    const token = await signJwt({ header: { alg: 'ES256' }, payload: {}, secret, alg: 'HS256' });

    expect(JSON.parse(parts(token).header).alg).toBe('ES256');
    await expect(
      jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] }),
    ).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
  });

  it('refuses a key that cannot compute the algorithm', async () => {
    await expect(
      signJwt({ header: { alg: 'RS256' }, payload: {}, key: ec.privateKey }),
    ).rejects.toThrow('signJwt: "key" is a ec key, which cannot sign RS256');
    await expect(signJwt({ header: { alg: 'XS1' }, payload: {} })).rejects.toThrow(
      /signJwt: "alg" must be one of/,
    );
    await expect(signJwt({ header: {}, payload: {} })).rejects.toThrow(TypeError);
  });

  it('uses the server key for the header alg (or kid) on the server', async () => {
    const token = await server.signJwt({
      header: { alg: 'EdDSA', typ: 'at+jwt', kid: server.kids.EdDSA },
      payload: { iss: server.issuer, aud: server.audience, sub: 'hand-made' },
    });

    const { payload } = await verify(token);
    expect(payload).toEqual({ iss: server.issuer, aud: server.audience, sub: 'hand-made' });
  });
});
