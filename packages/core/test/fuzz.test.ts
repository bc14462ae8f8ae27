import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.js';
import { createTokenGuard, type TokenGuard } from '../src/index.js';
import type { TokenRequest } from '../src/request.js';

// Property-based tests: whatever a client sends, the guard answers 200, 400, 401, 403 or 503 —
// never a crash, never another status — and no token content makes it call anything but the
// configured JWKS. FUZZ_RUNS raises the run count (10,000 per property by default).
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example';
const SECRET = 'a-fuzzing-secret-that-is-at-least-32-bytes';
const ALLOWED = new Set([200, 400, 401, 403, 503]);

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = JSON.stringify({
  keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }],
});
let fetches: string[] = [];
let guard: TokenGuard;
let hmacGuard: TokenGuard;

beforeAll(() => {
  const fetch = async (url: string) => {
    fetches.push(url);
    return new Response(jwks, { headers: { 'content-type': 'application/json' } });
  };
  guard = createTokenGuard({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `${ISSUER}/jwks`,
    fetch,
    dpop: {},
  });
  hmacGuard = createTokenGuard({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, dpop: {} });
});

async function status(
  target: TokenGuard,
  request: TokenRequest,
  scopes?: string[],
): Promise<number> {
  try {
    await target.authenticate(request, scopes === undefined ? {} : { scopes });
    return 200;
  } catch (error) {
    if (error instanceof AuthError) {
      // Every rejection carries what an adapter needs to answer it.
      if (error.status !== 503 && error.headers['WWW-Authenticate'] === undefined) return -1;
      return error.status;
    }
    throw error;
  }
}

const request = (headers: Record<string, string>): TokenRequest => ({
  method: 'GET',
  url: 'https://api.example/orders',
  headers,
});

const b64 = (value: string) => Buffer.from(value).toString('base64url');
function hs256(header: unknown, payload: unknown): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

const token68 = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,300}=*$/);
const base64urlSegment = fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/);

describe('fuzz: the guard only ever answers 200, 400, 401, 403 or 503', () => {
  it('for any Authorization header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          token68.map((t) => `Bearer ${t}`),
          fc.constantFrom('Bearer', 'DPoP', 'bearer  ', 'Basic a'),
        ),
        async (authorization) => ALLOWED.has(await status(guard, request({ authorization }))),
      ),
      { numRuns: RUNS },
    );
  });

  it('for any JWS-shaped token', async () => {
    fetches = [];
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(base64urlSegment, base64urlSegment, base64urlSegment),
        async ([h, p, s]) =>
          ALLOWED.has(await status(guard, request({ authorization: `Bearer ${h}.${p}.${s}` }))),
      ),
      { numRuns: RUNS },
    );
    // Made-up kids may make the guard refetch its own JWKS, at most once per cooldown: never
    // anything a token names.
    expect(new Set(fetches)).toEqual(new Set(fetches.length ? [`${ISSUER}/jwks`] : []));
    expect(fetches.length).toBeLessThanOrEqual(2);
  });

  it('for any signed header and payload JSON (HS256, so every signature verifies)', async () => {
    const json = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 8,
    });
    const claim = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined));
    await fc.assert(
      fc.asyncProperty(
        json,
        json,
        fc.record({
          iss: fc.oneof(fc.constant(ISSUER), claim),
          aud: fc.oneof(fc.constant(AUDIENCE), claim),
          exp: fc.oneof(fc.constant(Math.floor(Date.now() / 1000) + 600), claim),
          scope: claim,
          scp: claim,
          cnf: claim,
          typ: fc.oneof(fc.constant('at+jwt'), claim),
        }),
        async (extraHeader, extraPayload, { typ, ...fields }) => {
          const header = { ...extraHeader, alg: 'HS256', ...(typ === undefined ? {} : { typ }) };
          const payload = {
            ...extraPayload,
            ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
          };
          const code = await status(
            hmacGuard,
            request({ authorization: `Bearer ${hs256(header, payload)}` }),
            ['orders:read'],
          );
          return ALLOWED.has(code);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('for any DPoP header beside a token', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc
            .tuple(base64urlSegment, base64urlSegment, base64urlSegment)
            .map((parts) => parts.join('.')),
        ),
        fc.constantFrom('Bearer', 'DPoP'),
        async (dpop, scheme) => {
          const token = hs256(
            { alg: 'HS256', typ: 'at+jwt' },
            {
              iss: ISSUER,
              aud: AUDIENCE,
              exp: Math.floor(Date.now() / 1000) + 600,
              cnf: { jkt: 'x' },
            },
          );
          return ALLOWED.has(
            await status(hmacGuard, request({ authorization: `${scheme} ${token}`, dpop })),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('for any signed DPoP proof header and claims (ES256, so every signature verifies)', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = key.publicKey.export({ format: 'jwk' });
    const jkt = createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest('base64url');
    const token = hs256(
      { alg: 'HS256', typ: 'at+jwt' },
      { iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600, cnf: { jkt } },
    );
    const ath = createHash('sha256').update(token).digest('base64url');
    const claim = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined));
    // Mostly the right value, sometimes anything: about a fifth of the proofs are fully valid, so
    // the property also runs the success path and the replay store.
    const usually = <T>(value: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: value, weight: 19 }, { arbitrary: claim, weight: 1 });
    let accepted = 0;
    const extra = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    });
    await fc.assert(
      fc.asyncProperty(
        extra,
        extra,
        fc.record({
          typ: usually(fc.constant('dpop+jwt')),
          alg: usually(fc.constant('ES256')),
          jwk: usually(fc.constant(jwk as unknown)),
        }),
        fc.record({
          jti: usually(fc.uuid()),
          htm: usually(fc.constant('GET')),
          htu: usually(fc.oneof(fc.constant('https://api.example/orders'), fc.webUrl())),
          iat: usually(fc.constant(Math.floor(Date.now() / 1000))),
          ath: usually(fc.constant(ath)),
        }),
        async (extraHeader, extraClaims, header, claims) => {
          const defined = (o: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
          const input = `${b64(JSON.stringify({ ...extraHeader, ...defined(header) }))}.${b64(JSON.stringify({ ...extraClaims, ...defined(claims) }))}`;
          const signature = sign('sha256', Buffer.from(input), {
            key: key.privateKey,
            dsaEncoding: 'ieee-p1363',
          }).toString('base64url');
          const code = await status(
            hmacGuard,
            request({ authorization: `DPoP ${token}`, dpop: `${input}.${signature}` }),
          );
          if (code === 200) accepted++;
          return ALLOWED.has(code);
        },
      ),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
