import { generateKeyPairSync } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { type IncomingMessage, request } from 'node:http';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
  type DpopKey,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../src/diagnostics.js';
import { createTokenGuard } from '../src/index.js';
import type { TokenGuardOptions } from '../src/options.js';
import type { Store } from '../src/store.js';
import { startApi, testClock } from './support/api.js';

let as: AuthorizationServer;
const key: DpopKey = createDpopKey('ES256');
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as.close());
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

const ALGS = 'ES256 EdDSA RS256';
async function start(
  dpop: TokenGuardOptions['dpop'] = {},
  options: Partial<TokenGuardOptions> = {},
) {
  const guard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    dpop: { algorithms: ['ES256', 'EdDSA', 'RS256'], ...dpop },
    ...options,
  });
  const api = await startApi(guard);
  open.push(api, guard);
  return api;
}

/** A DPoP request: a token bound to `key` (unless given) and a fresh proof for GET /. */
async function dpopCall(
  api: Awaited<ReturnType<typeof start>>,
  init: {
    token?: string;
    proof?: Partial<Parameters<typeof createDpopProof>[0]>;
    scheme?: string;
  } = {},
) {
  const token = init.token ?? (await as.mintAccessToken({ cnf: { jkt: key.thumbprint } }));
  const proof = await createDpopProof({
    key,
    htm: 'GET',
    htu: `${api.url}/`,
    accessToken: token,
    ...init.proof,
  });
  return api.call(token, { scheme: init.scheme ?? 'DPoP', headers: { dpop: proof } });
}

const dpopError = (error: string, description: string) =>
  `Bearer, DPoP error="${error}", error_description="${description}", algs="${ALGS}"`;
const INVALID_PROOF = dpopError('invalid_dpop_proof', 'The DPoP proof is invalid');

describe('DPoP-bound tokens (RFC 9449)', () => {
  it('accepts a bound token with a valid proof', async () => {
    const api = await start();
    const res = await dpopCall(api);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scheme: 'DPoP' });
  });

  it('offers both challenges when DPoP is allowed, only DPoP when required', async () => {
    expect((await (await start()).call()).challenge).toBe(`Bearer, DPoP algs="${ALGS}"`);
    expect((await (await start({ mode: 'required' })).call()).challenge).toBe(
      `DPoP algs="${ALGS}"`,
    );
    const all = await start({ algorithms: undefined });
    expect((await all.call()).challenge).toBe(
      'Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"',
    );
  });

  it('accepts proofs with every supported key type', async () => {
    const api = await start();
    for (const alg of ['EdDSA', 'RS256'] as const) {
      const other = createDpopKey(alg);
      const token = await as.mintAccessToken({ cnf: { jkt: other.thumbprint } });
      const proof = await createDpopProof({
        key: other,
        htm: 'GET',
        htu: `${api.url}/`,
        accessToken: token,
      });
      expect((await api.call(token, { scheme: 'DPoP', headers: { dpop: proof } })).status).toBe(
        200,
      );
    }
  });
});

describe('every proof check, each with its own failure', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cases: Array<[string, Partial<Parameters<typeof createDpopProof>[0]>]> = [
    ['typ is not dpop+jwt', { header: { typ: 'JWT' } }],
    ['typ is missing', { header: { typ: undefined } }],
    ['alg is not on the allow-list', { header: { alg: 'ES384' } }],
    ['alg is symmetric', { header: { alg: 'HS256' } }],
    ['alg is none', { header: { alg: 'none' } }],
    ['jwk is missing', { header: { jwk: undefined } }],
    ['jwk carries the private key', { header: { jwk: { ...key.publicJwk, d: 'AAAA' } } }],
    ['jwk does not fit alg', { header: { alg: 'RS256' } }],
    ['jwk is an encryption key (use enc)', { header: { jwk: { ...key.publicJwk, use: 'enc' } } }],
    ['jwk key_ops lack verify', { header: { jwk: { ...key.publicJwk, key_ops: ['sign'] } } }],
    ['jwk key_ops is not a list', { header: { jwk: { ...key.publicJwk, key_ops: 'verify' } } }],
    [
      'jwk alg differs from the header alg',
      { header: { jwk: { ...key.publicJwk, alg: 'ES384' } } },
    ],
    ['jwk alg is not a JWS algorithm', { header: { jwk: { ...key.publicJwk, alg: 'ECDH-ES' } } }],
    ['signature is by another key', { signingKey: other.privateKey }],
    ['crit is present', { header: { crit: ['x'], x: 1 } }],
    ['htm differs', { htm: 'POST' }],
    ['htu is another path', { htu: 'http://127.0.0.1/elsewhere', rawHtu: true }],
    ['iat is 61 s old', { iat: now() - 61 }],
    ['iat is 40 s ahead', { iat: now() + 40 }],
    ['iat is missing', { claims: { iat: undefined } }],
    ['iat is a string', { claims: { iat: String(now()) } }],
    ['jti is missing', { claims: { jti: undefined } }],
    ['jti is too long', { jti: 'j'.repeat(257) }],
    ['ath is missing', { accessToken: undefined }],
    ['ath is for another token', { accessToken: 'another-token' }],
  ];

  it.each(cases)('rejects a proof whose %s: 401 invalid_dpop_proof', async (_name, proof) => {
    const api = await start();
    const res = await dpopCall(api, { proof });
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(INVALID_PROOF);
    expect(res.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof is invalid',
    });
  });

  it('accepts a jwk that says use sig, key_ops verify and the header alg', async () => {
    const api = await start();
    const jwk = { ...key.publicJwk, use: 'sig', key_ops: ['verify'], alg: 'ES256' };
    expect((await dpopCall(api, { proof: { header: { jwk } } })).status).toBe(200);
  });

  it('rejects an RSA jwk for PS256 in a proof signed RS256 with the same key', async () => {
    const api = await start({ algorithms: ['RS256', 'PS256'] });
    const rsa = createDpopKey('RS256');
    const token = await as.mintAccessToken({ cnf: { jkt: rsa.thumbprint } });
    const proof = (alg: string) =>
      createDpopProof({
        key: rsa,
        htm: 'GET',
        htu: `${api.url}/`,
        accessToken: token,
        header: { jwk: { ...rsa.publicJwk, alg } },
      });
    const mismatch = await api.call(token, {
      scheme: 'DPoP',
      headers: { dpop: await proof('PS256') },
    });
    expect(mismatch.status).toBe(401);
    expect(mismatch.challenge).toBe(
      'Bearer, DPoP error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="RS256 PS256"',
    );
    const match = await api.call(token, {
      scheme: 'DPoP',
      headers: { dpop: await proof('RS256') },
    });
    expect(match.status).toBe(200);
  });

  it('compares htu and the request URL after RFC 3986 §6.2.2 normalisation of both', async () => {
    const api = await start();
    const call = async (htu: string, route: string) => {
      const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
      const proof = await createDpopProof({
        key,
        htm: 'GET',
        htu,
        rawHtu: true,
        accessToken: token,
      });
      return (await api.call(token, { scheme: 'DPoP', route, headers: { dpop: proof } })).status;
    };
    // Percent-encoded unreserved characters are the characters themselves, on either side.
    expect(await call(`${api.url}/re%61d`, 'read')).toBe(200);
    expect(await call(`${api.url}/read`, 're%61d')).toBe(200);
    expect(await call(`${api.url}/%7Euser/a%2db`, '~user/a-b')).toBe(200);
    // Hex digits of the escapes that stay are compared in upper case.
    expect(await call(`${api.url}/a%2fb`, 'a%2Fb')).toBe(200);
    // Dot segments, encoded or not, are removed.
    expect(await call(`${api.url}/x/%2E%2e/read`, 'read')).toBe(200);
    expect(await call(`${api.url}/read`, 'x/./../read')).toBe(200);
    // Reserved characters and the percent sign stay encoded; letters keep their case.
    expect(await call(`${api.url}/a%2Fb`, 'a/b')).toBe(401);
    expect(await call(`${api.url}/%2572ead`, 'read')).toBe(401);
    expect(await call(`${api.url}/%52ead`, 'read')).toBe(401);
  });

  it('compares the htu path after RFC 3986 normalisation, otherwise exactly', async () => {
    const api = await start();
    expect(
      (await dpopCall(api, { proof: { htu: `${api.url}/orders/..`, rawHtu: true } })).status,
    ).toBe(200);
    expect((await dpopCall(api, { proof: { htu: `${api.url}//`, rawHtu: true } })).status).toBe(
      401,
    );
    expect((await dpopCall(api, { proof: { htu: `${api.url}/%2F`, rawHtu: true } })).status).toBe(
      401,
    );
  });

  it('accepts htu in another case of scheme and host, with the default port, query or fragment', async () => {
    const api = await start();
    const url = new URL(api.url);
    const htu = `HTTP://${url.hostname.toUpperCase()}:${url.port}/?q=1#f`;
    expect((await dpopCall(api, { proof: { htu, rawHtu: true } })).status).toBe(200);
  });

  it('accepts proofs at the edges of the iat window', async () => {
    const api = await start();
    expect((await dpopCall(api, { proof: { iat: now() - 55 } })).status).toBe(200);
    // Interoperability suites send proofs up to 10 s ahead: the default leeway takes them.
    expect((await dpopCall(api, { proof: { iat: now() + 10 } })).status).toBe(200);
    expect((await dpopCall(api, { proof: { iat: now() + 12 } })).status).toBe(401);
  });

  it('rejects a replayed proof, and a re-encoded copy of it', async () => {
    const api = await start();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: `${api.url}/`,
      accessToken: token,
    });
    expect((await api.call(token, { scheme: 'DPoP', headers: { dpop: proof } })).status).toBe(200);
    const replay = await api.call(token, { scheme: 'DPoP', headers: { dpop: proof } });
    expect(replay.status).toBe(401);
    expect(replay.challenge).toBe(INVALID_PROOF);
    // The same claims signed again (a new signature, same jti) are a replay too.
    const [, payload] = proof.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const again = await createDpopProof({
      key,
      htm: 'GET',
      htu: `${api.url}/`,
      accessToken: token,
      jti: claims.jti,
      iat: claims.iat,
    });
    expect((await api.call(token, { scheme: 'DPoP', headers: { dpop: again } })).status).toBe(401);
  });

  it('rejects two DPoP headers', async () => {
    const api = await start();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: `${api.url}/`,
      accessToken: token,
    });
    const headers = new Headers({ authorization: `DPoP ${token}` });
    headers.append('dpop', proof);
    headers.append('dpop', proof);
    const res = await fetch(`${api.url}/`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(INVALID_PROOF);
  });

  it('remembers a known proof key by its header, and still checks every proof against it', async () => {
    const api = await start();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    // A proof for GET / with `signer`'s key and `accessToken`'s ath (by default, ours and ours).
    const proof = (signer = key, accessToken = token) =>
      createDpopProof({ key: signer, htm: 'GET', htu: `${api.url}/`, accessToken });
    const call = async (dpop: string) =>
      (await api.call(token, { scheme: 'DPoP', headers: { dpop } })).status;
    // The key is known after these (its header parsed, its thumbprint and import kept).
    expect([await call(await proof()), await call(await proof())]).toEqual([200, 200]);
    // The same header, signed by another key: the remembered key does not vouch for it.
    const [header] = (await proof()).split('.');
    const [, payload, signature] = (await proof(createDpopKey())).split('.');
    expect(await call(`${header}.${payload}.${signature}`)).toBe(401);
    // The token's ath is remembered with the token: a proof made for another token still fails.
    const forOther = await proof(key, await as.mintAccessToken({ cnf: { jkt: key.thumbprint } }));
    expect(await call(forOther)).toBe(401);
    expect(await call(await proof())).toBe(200);
  });

  it('rejects a proof key that differs from the token binding: invalid_token', async () => {
    const api = await start();
    const res = await dpopCall(api, {
      token: await as.mintAccessToken({ cnf: { jkt: createDpopKey().thumbprint } }),
    });
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(dpopError('invalid_token', 'Invalid DPoP key binding'));
  });
});

describe('RSA proof keys: at least 2048 and at most 8192 bits, exponent at most 2^32', () => {
  async function withKey(rsa: DpopKey, proof: Partial<Parameters<typeof createDpopProof>[0]> = {}) {
    const api = await start();
    const token = await as.mintAccessToken({ cnf: { jkt: rsa.thumbprint } });
    const signed = await createDpopProof({
      key: rsa,
      htm: 'GET',
      htu: `${api.url}/`,
      accessToken: token,
      ...proof,
    });
    return api.call(token, { scheme: 'DPoP', headers: { dpop: signed } });
  }

  it.each([
    ['4096-bit', { modulusLength: 4096 }],
    ['8192-bit', { modulusLength: 8192 }],
    ['exponent 2^32 - 1', { modulusLength: 2048, publicExponent: 2 ** 32 - 1 }],
  ])('accepts a %s key', async (_name, options) => {
    expect((await withKey(createDpopKey('RS256', options))).status).toBe(200);
  });

  it.each([
    ['16384-bit', { modulusLength: 16384 }],
    ['8200-bit', { modulusLength: 8200 }],
    ['3072-bit key with a 3070-bit exponent', { modulusLength: 3072, publicExponentLength: 3070 }],
    ['exponent 2^32 + 1', { modulusLength: 2048, publicExponent: 2 ** 32 + 1 }],
  ])('rejects a %s key, validly signed: 401 invalid_dpop_proof', async (_name, options) => {
    const res = await withKey(createDpopKey('RS256', options));
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(INVALID_PROOF);
  });

  it('rejects an oversized key before any signature check', async () => {
    const reasons: string[] = [];
    const listener = (event: unknown) => reasons.push((event as { reason: string }).reason);
    diagnostics.subscribe(channels.rejected, listener);
    try {
      const huge = createDpopKey('RS256', { modulusLength: 3072, publicExponentLength: 3070 });
      // Signed by another key: only a signature check could find that out.
      const res = await withKey(huge, { signingKey: createDpopKey('RS256').privateKey });
      expect(res.status).toBe(401);
      expect(reasons).toEqual(['dpop.jwk_too_large']);
    } finally {
      diagnostics.unsubscribe(channels.rejected, listener);
    }
  });
});

describe('scheme rules', () => {
  it('rejects a DPoP-bound token sent as a bearer token, error on the Bearer challenge', async () => {
    const api = await start();
    const res = await api.call(await as.mintAccessToken({ cnf: { jkt: key.thumbprint } }));
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      `Bearer error="invalid_token", error_description="The access token is invalid", DPoP algs="${ALGS}"`,
    );
  });

  it('rejects a DPoP-bound token as a bearer token even when DPoP is off', async () => {
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    const api = await startApi(guard);
    open.push(api, guard);
    expect(
      (await api.call(await as.mintAccessToken({ cnf: { jkt: key.thumbprint } }))).status,
    ).toBe(401);
  });

  it('rejects an unbound token with the DPoP scheme', async () => {
    const api = await start();
    const res = await dpopCall(api, { token: await as.mintAccessToken() });
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(dpopError('invalid_token', 'The access token is invalid'));
  });

  it('answers the DPoP scheme without a DPoP header with 400 invalid_request (RFC 6750 §3.1)', async () => {
    const api = await start();
    const res = await api.call(await as.mintAccessToken({ cnf: { jkt: key.thumbprint } }), {
      scheme: 'DPoP',
    });
    expect(res.status).toBe(400);
    expect(res.challenge).toBe(dpopError('invalid_request', 'The request is malformed'));
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'The request is malformed',
    });
  });

  it('puts the error on both challenges when the scheme is not known: two Authorization headers', async () => {
    const api = await start();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    // node:http sends each value of an array as its own header line (fetch would join them).
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      request(`${api.url}/`, {
        headers: [
          ['host', new URL(api.url).host],
          ['authorization', `DPoP ${token}`],
          ['authorization', `Bearer ${token}`],
        ].flat(),
      })
        .on('response', (response) => resolve(response.resume()))
        .on('error', reject)
        .end();
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer error="invalid_request", error_description="The request is malformed", DPoP error="invalid_request", error_description="The request is malformed", algs="${ALGS}"`,
    );
  });

  it('puts the error on the DPoP challenge for a malformed DPoP Authorization header', async () => {
    const api = await start();
    for (const authorization of ['DPoP', 'DPoP\tabc', 'dpop a,b']) {
      const res = await fetch(`${api.url}/`, { headers: { authorization } });
      expect(res.status).toBe(400);
      expect(res.headers.get('www-authenticate')).toBe(
        dpopError('invalid_request', 'The request is malformed'),
      );
    }
  });

  it('answers a proof without a token, or beside the Bearer scheme, with 400 invalid_request', async () => {
    const api = await start();
    const proof = await createDpopProof({ key, htm: 'GET', htu: `${api.url}/` });
    const alone = await api.call(undefined, { headers: { dpop: proof } });
    expect(alone.status).toBe(400);
    // No Authorization header: the scheme the client meant is not known, so both carry the error.
    expect(alone.challenge).toBe(
      `Bearer error="invalid_request", error_description="The request is malformed", DPoP error="invalid_request", error_description="The request is malformed", algs="${ALGS}"`,
    );
    const token = await as.mintAccessToken();
    const withBearer = await api.call(token, {
      headers: {
        dpop: await createDpopProof({ key, htm: 'GET', htu: `${api.url}/`, accessToken: token }),
      },
    });
    expect(withBearer.status).toBe(400);
  });

  it('in required mode answers a bearer token with 401 and only the DPoP challenge', async () => {
    const api = await start({ mode: 'required' });
    const res = await api.call(await as.mintAccessToken());
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      `DPoP error="invalid_token", error_description="The access token is invalid", algs="${ALGS}"`,
    );
    expect((await dpopCall(api)).status).toBe(200);
  });

  it('works with tokens from the token endpoint and from introspection', async () => {
    const api = await start(
      {},
      {
        introspection: {
          clientId: as.defaultClient.clientId,
          clientSecret: as.defaultClient.clientSecret,
        },
      },
    );
    const tokenProof = await createDpopProof({ key, htm: 'POST', htu: as.tokenEndpoint });
    const { clientId, clientSecret } = as.defaultClient;
    const res = await fetch(as.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        dpop: tokenProof,
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await dpopCall(api, { token: access_token })).status).toBe(200);
    const opaque = await as.mintOpaqueToken({ cnf: { jkt: key.thumbprint } });
    expect((await dpopCall(api, { token: opaque })).status).toBe(200);
    expect((await api.call(opaque)).status).toBe(401);
  });
});

describe('the proof is checked before the token costs an upstream call', () => {
  // A bad proof sent with an opaque token must cost no introspection call: the proof's own checks
  // (shape, typ, alg, jwk, signature, htm, htu, iat, jti, ath) come before the token is verified.
  const introspecting = () =>
    start(
      {},
      {
        introspection: {
          clientId: as.defaultClient.clientId,
          clientSecret: as.defaultClient.clientSecret,
        },
      },
    );
  const other = createDpopKey('ES256');

  it.each([
    ['the wrong method', { claims: { htm: 'POST' } }],
    ['the wrong URL', { htu: 'http://127.0.0.1:1/elsewhere' }],
    ['an old iat', { iat: Math.floor(Date.now() / 1000) - 3600 }],
    ['no jti', { claims: { jti: undefined } }],
    ['another typ', { header: { typ: 'JWT' } }],
    ['a signature by another key', { signingKey: other.privateKey }],
    ['the ath of another token', { accessToken: 'another-token' }],
  ])('a proof with %s: 401 invalid_dpop_proof, no introspection call', async (_name, proof) => {
    const api = await introspecting();
    const opaque = await as.mintOpaqueToken({ cnf: { jkt: key.thumbprint } });
    as.resetCounts();
    const res = await dpopCall(api, { token: opaque, proof });
    expect({ status: res.status, challenge: res.challenge }).toEqual({
      status: 401,
      challenge: INVALID_PROOF,
    });
    expect(as.counts.introspection).toBe(0);
    // The same token with a good proof is introspected once, and accepted.
    expect((await dpopCall(api, { token: opaque })).status).toBe(200);
    expect(as.counts.introspection).toBe(1);
  });
});

describe('server nonces (RFC 9449 §9), stateless', () => {
  const secret = 'a-dpop-nonce-secret-of-32-bytes-or-more';

  it('asks for a nonce, then accepts the retry with it', async () => {
    const api = await start({ nonce: { secret } });
    const first = await dpopCall(api);
    expect(first.status).toBe(401);
    expect(first.challenge).toBe(
      dpopError('use_dpop_nonce', 'Resource server requires nonce in DPoP proof'),
    );
    expect(first.headers.get('cache-control')).toBe('no-store');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{30}$/);
    expect((await dpopCall(api, { proof: { nonce: nonce! } })).status).toBe(200);
  });

  it('lets every instance with the secret accept the nonce, and rotates secrets', async () => {
    const a = await start({ nonce: { secret } });
    const nonce = (await dpopCall(a)).headers.get('dpop-nonce')!;
    const b = await start({
      nonce: { secret: ['a-brand-new-secret-of-at-least-32-bytes', secret] },
    });
    expect((await dpopCall(b, { proof: { nonce } })).status).toBe(200);
    const c = await start({ nonce: { secret: 'another-secret-entirely-32-bytes-long!' } });
    const res = await dpopCall(c, { proof: { nonce } });
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      dpopError('use_dpop_nonce', 'Resource server requires nonce in DPoP proof'),
    );
  });

  it('refreshes a nonce from the previous window and rejects an expired one', async () => {
    const clock = testClock();
    const api = await start({ nonce: { secret, ttl: 60 } }, { clock: clock.now });
    const nonce = (await dpopCall(api)).headers.get('dpop-nonce')!;
    clock.advance(60);
    const iat = Math.floor(clock.now() / 1000);
    const stale = await dpopCall(api, { proof: { nonce, iat } });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{30}$/);
    expect(stale.headers.get('dpop-nonce')).not.toBe(nonce);
    clock.advance(60);
    const expired = await dpopCall(api, { proof: { nonce, iat: Math.floor(clock.now() / 1000) } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('dpop-nonce')).not.toBeNull();
  });

  it('rejects a forged nonce', async () => {
    const api = await start({ nonce: { secret } });
    expect((await dpopCall(api, { proof: { nonce: 'A'.repeat(30) } })).status).toBe(401);
  });
});

describe('the replay store', () => {
  it('fails closed with 503 when it is unavailable; bearer tokens still work', async () => {
    const broken: Store = {
      get: async () => undefined,
      set: async () => {},
      setIfAbsent: async () => {
        throw new Error('connection refused');
      },
    };
    const api = await start({ replayStore: broken });
    const res = await dpopCall(api);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await api.call(await as.mintAccessToken())).status).toBe(200);
  });
});

describe('DPoP configuration', () => {
  it.each<[string, TokenGuardOptions['dpop'], string]>([
    [
      'a symmetric algorithm',
      { algorithms: ['HS256'] },
      '"dpop.algorithms" may only contain asymmetric algorithms',
    ],
    [
      'a short nonce secret',
      { nonce: { secret: 'short' } },
      '"dpop.nonce.secret" must be at least 32 bytes',
    ],
    ['an unknown mode', { mode: 'sometimes' as never }, '"dpop.mode"'],
    [
      'a window in milliseconds',
      { iatWindow: 60_000 },
      '"dpop.iatWindow" must be a finite number of seconds',
    ],
  ])('rejects %s', (_name, dpop, message) => {
    expect(() => createTokenGuard({ issuer: 'https://a.example/', audience: 'x', dpop })).toThrow(
      message,
    );
  });
});

describe('guard.authorize: further requirements without authenticating again', () => {
  it('checks scopes on a DPoP request whose proof was already used', async () => {
    const guard = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      dpop: { algorithms: ['ES256'] },
    });
    open.push(guard);
    const token = await as.mintAccessToken({ scope: 'orders:read', cnf: { jkt: key.thumbprint } });
    const url = 'https://api.example.com/orders';
    const proof = await createDpopProof({ key, htm: 'POST', htu: url, accessToken: token });
    const request = {
      method: 'POST',
      url,
      headers: { authorization: `DPoP ${token}`, dpop: proof, origin: 'https://app.example' },
    };
    const auth = await guard.authenticate(request);
    expect(() => guard.authorize(auth, { scopes: ['orders:read'] }, request)).not.toThrow();
    let error: unknown;
    try {
      guard.authorize(auth, { scopes: ['orders:write'] }, request);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
      headers: {
        'WWW-Authenticate':
          'Bearer, DPoP error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:write", algs="ES256"',
        'Access-Control-Expose-Headers': 'WWW-Authenticate',
      },
    });
    // Authenticating the same request again would be a replay of its proof.
    await expect(guard.authenticate(request)).rejects.toMatchObject({
      code: 'invalid_dpop_proof',
      reason: 'dpop.replay',
    });
  });

  it('answers an unauthenticated request with the bare challenge', () => {
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience, realm: 'api' });
    open.push(guard);
    expect(() => guard.authorize(undefined, { scopes: ['x'] })).toThrow(
      expect.objectContaining({
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="api"' },
      }),
    );
    expect(() => guard.authorize(undefined, { introspect: true })).toThrow(TypeError);
    expect(() => guard.authorize(undefined, { optional: true, scopes: ['x'] })).not.toThrow();
  });

  it('names the caller and rejects unknown requirement keys', () => {
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    open.push(guard);
    expect(() => guard.checkRequirements({ scope: ['x'] } as never, 'requireToken()')).toThrow(
      'unknown requirement "requireToken().scope"',
    );
    expect(() => guard.checkRequirements({ introspect: true }, 'route GET /x')).toThrow(
      '"route GET /x.introspect: true" needs the "introspection" option',
    );
  });
});
