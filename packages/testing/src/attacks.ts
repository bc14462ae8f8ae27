import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import type { AuthorizationServer } from './authorization-server.js';
import { createCertificates } from './certificates.js';
import type { ConformanceRequest } from './conformance.js';
import { createDpopKey, createDpopProof, type DpopKey } from './dpop.js';
import type { RequestCounts } from './faults.js';
import { newKeyPairSync } from './lib/key-pair.js';
import { sendRequest } from './send.js';
import { signJwt } from './sign-jwt.js';

/**
 * Guard options for running the attack table: the server's issuer and audience, introspection
 * with the server's default client (for the opaque-token cases), DPoP on (for the proof and Host
 * cases), and no JWKS cooldown, so that every unknown `kid` reaches the JWKS: the table counts
 * those requests, and the weak keys it publishes mid-run are seen at once.
 */
export function attackGuardOptions(as: AuthorizationServer): {
  issuer: string;
  audience: string;
  introspection: { clientId: string; clientSecret: string };
  dpop: { algorithms: Array<'ES256' | 'EdDSA' | 'RS256'> };
  jwks: { cooldown: number; failureBackoff: number };
} {
  return {
    issuer: as.issuer,
    audience: as.audience,
    introspection: {
      clientId: as.defaultClient.clientId,
      clientSecret: as.defaultClient.clientSecret,
    },
    dpop: { algorithms: ['ES256', 'EdDSA', 'RS256'] },
    jwks: { cooldown: 0, failureBackoff: 0 },
  };
}

/** What an attack needs: the authorization server, the API's base URL and a trap URL. */
export interface AttackContext {
  as: AuthorizationServer;
  /**
   * The API under attack. It serves the conformance routes (`GET /me` needs any valid token,
   * `POST /orders` the `orders:write` scope, the composed routes `GET /tenant/admin`,
   * `GET /reports` and `GET /optional/orders` every level of their requirements), protected with
   * {@link attackGuardOptions}.
   */
  baseUrl: string;
  /** A loopback server that counts every request: no token may make the API call it. */
  trapUrl: string;
}

/** An attack's request, and the attacker-chosen strings that must never come back. */
export interface AttackRequest extends ConformanceRequest {
  /** Strings the attacker controls (token, kid, URLs…): never echoed in a header or body. */
  secrets: string[];
}

/** Requests to the authorization server an attack may cause (the API calls nothing else). */
export interface AttackUpstream {
  /** JWKS fetches: an unknown `kid` refetches once (the table's guard has no cooldown). */
  jwks: number;
  /** Introspection calls: a token that is not JWS-shaped is asked about once. */
  introspection: number;
  /** Discovery documents: always 0 (the API discovered the server before the attack). */
  metadata: number;
  /** Token endpoint: always 0. */
  token: number;
}

/** One row of the attack table. */
export interface AttackCase {
  name: string;
  /** Where the attack is described: RFC sections, CVE ids. */
  reference: string;
  /** The status the API must answer with (never 500, never 200 for an attack). */
  status: 400 | 401 | 403;
  /** The requests to the authorization server the attack may cause; omitted members are 0. */
  upstream?: Partial<Pick<AttackUpstream, 'jwks' | 'introspection'>>;
  /**
   * Set when the case shows a known weakness of `@tokenguard/core` that is not fixed yet: the
   * text says what goes wrong. Run such a case as an expected failure (`it.fails`), so that the
   * fix turns it into a failure that asks for this mark to go.
   */
  weakness?: string;
  request(context: AttackContext): Promise<AttackRequest>;
}

/** What an attack run observed. {@link expectedAttackResult} is what it must be. */
export interface AttackResult {
  status: number;
  /** Attacker-controlled strings found in the response headers or body (must be empty). */
  echoed: string[];
  /** Requests the trap server received during the case (must be 0). */
  trapHits: number;
  /** Requests the authorization server received during the attack, per endpoint. */
  upstream: AttackUpstream;
  /**
   * The status of a valid JWT, then (if that was 200) of a valid opaque token, sent right after
   * the attack (must be 200: nothing poisoned, no introspection backoff left behind).
   */
  control: number;
}

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: string | Buffer | Uint8Array) => Buffer.from(value).toString('base64url');

function claims(
  as: AuthorizationServer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: as.issuer,
    aud: as.audience,
    sub: 'attacker',
    client_id: 'attacker-client',
    scope: 'orders:read',
    iat: now(),
    exp: now() + 300,
    jti: `attack-${Math.random().toString(36).slice(2)}`,
    ...extra,
  };
}

const me = (
  token: string,
  extraSecrets: string[] = [],
  headers: Record<string, string | string[]> = {},
): AttackRequest => ({
  method: 'GET',
  path: '/me',
  headers: { authorization: `Bearer ${token}`, ...headers },
  secrets: [token, ...extraSecrets],
});

const createOrder = (token: string): AttackRequest => ({
  method: 'POST',
  path: '/orders',
  headers: { authorization: `Bearer ${token}` },
  secrets: [token],
});

/** Signs `payloadJson` (exact text) with the server's current ES256 key. */
function signedPayload(as: AuthorizationServer, payloadJson: string): Promise<string> {
  return as.signJwt({ header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 }, payloadJson });
}

/** Signs a header (exact text or object) over valid claims with the server's key for its kid. */
function signedHeader(
  as: AuthorizationServer,
  header: Record<string, unknown> | string,
  extraClaims: Record<string, unknown> = {},
): Promise<string> {
  const payload = claims(as, extraClaims);
  return typeof header === 'string'
    ? as.signJwt({ headerJson: header, payload })
    : as.signJwt({ header, payload });
}

function split(token: string): [string, string, string] {
  return token.split('.') as [string, string, string];
}

// ---------------------------------------------------------------------------------------------
// Algorithms: none, and a public key used as an HMAC secret (RFC 8725 §2.1, §3.1)
// ---------------------------------------------------------------------------------------------

/** Every upper/lower-case spelling of `none`. */
function noneSpellings(): string[] {
  const out: string[] = [];
  for (let mask = 0; mask < 16; mask++) {
    out.push([...'none'].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join(''));
  }
  return out;
}

function unsigned(alg: string): AttackCase {
  return {
    name: `alg ${JSON.stringify(alg)}, no signature`,
    reference: 'RFC 8725 §2.1, §3.1; CVE-2022-23540 (jsonwebtoken); CVE-2020-15084 (express-jwt)',
    status: 401,
    async request({ as }) {
      return me(
        `${b64(JSON.stringify({ alg, typ: 'at+jwt' }))}.${b64(JSON.stringify(claims(as)))}.`,
      );
    },
  };
}

type PublicKeyEncoding = (key: KeyObject, jwk: JWK) => string | Buffer;

const RSA_ENCODINGS: Record<string, PublicKeyEncoding> = {
  'SPKI PEM': (key) => key.export({ type: 'spki', format: 'pem' }) as string,
  'SPKI PEM without its final newline': (key) =>
    (key.export({ type: 'spki', format: 'pem' }) as string).trimEnd(),
  'SPKI PEM after a leading newline and space': (key) =>
    `\n ${key.export({ type: 'spki', format: 'pem' })}`,
  'PKCS#1 PEM': (key) => key.export({ type: 'pkcs1', format: 'pem' }) as string,
  'SPKI DER': (key) => key.export({ type: 'spki', format: 'der' }),
  'PKCS#1 DER': (key) => key.export({ type: 'pkcs1', format: 'der' }),
  'base64 of the DER (a PEM body without armour)': (key) =>
    key.export({ type: 'spki', format: 'der' }).toString('base64'),
  'JWK JSON as published': (_key, jwk) => JSON.stringify(jwk),
  'JWK JSON in RFC 7638 member order': (_key, jwk) =>
    JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }),
  'modulus bytes': (_key, jwk) => Buffer.from(String(jwk.n), 'base64url'),
};

const EC_ENCODINGS: Record<string, PublicKeyEncoding> = {
  'SPKI PEM': (key) => key.export({ type: 'spki', format: 'pem' }) as string,
  'JWK JSON as published': (_key, jwk) => JSON.stringify(jwk),
  'uncompressed point bytes': (_key, jwk) =>
    Buffer.concat([
      Buffer.from([4]),
      Buffer.from(String(jwk.x), 'base64url'),
      Buffer.from(String(jwk.y), 'base64url'),
    ]),
};

function publishedKey(as: AuthorizationServer, kty: 'RSA' | 'EC'): { jwk: JWK; key: KeyObject } {
  const jwk = as
    .jwks()
    .keys.find((k) => k.kty === kty && k.kid === as.kids[kty === 'RSA' ? 'RS256' : 'ES256']);
  if (jwk === undefined) throw new Error(`the authorization server publishes no ${kty} key`);
  return { jwk, key: createPublicKey({ key: jwk as never, format: 'jwk' }) };
}

function hmacWithPublicKey(
  kty: 'RSA' | 'EC',
  encoding: string,
  alg: 'HS256' | 'HS384' | 'HS512',
  reference: string,
): AttackCase {
  const encodings = kty === 'RSA' ? RSA_ENCODINGS : EC_ENCODINGS;
  return {
    name: `${alg} signed with the server's ${kty} public key (${encoding})`,
    reference,
    status: 401,
    async request({ as }) {
      const { jwk, key } = publishedKey(as, kty);
      const secret = (encodings[encoding] as PublicKeyEncoding)(key, jwk);
      const token = await signJwt({
        header: { alg, typ: 'at+jwt', kid: jwk.kid },
        payload: claims(as),
        secret: typeof secret === 'string' ? secret : new Uint8Array(secret),
      });
      return me(token);
    },
  };
}

const CONFUSION =
  'RFC 8725 §2.1, §3.1; CVE-2015-9235, CVE-2022-23541 (jsonwebtoken); CVE-2016-10555 (jwt-simple)';

function keyConfusionCases(): AttackCase[] {
  const reference: Record<string, string> = {
    'SPKI PEM after a leading newline and space': `${CONFUSION}; CVE-2026-34950 (fast-jwt)`,
    'PKCS#1 PEM': `${CONFUSION}; CVE-2023-48223 (fast-jwt)`,
  };
  return [
    ...Object.keys(RSA_ENCODINGS).map((encoding) =>
      hmacWithPublicKey('RSA', encoding, 'HS256', reference[encoding] ?? CONFUSION),
    ),
    hmacWithPublicKey('RSA', 'SPKI PEM', 'HS384', CONFUSION),
    hmacWithPublicKey('RSA', 'SPKI PEM', 'HS512', CONFUSION),
    ...Object.keys(EC_ENCODINGS).map((encoding) =>
      hmacWithPublicKey('EC', encoding, 'HS256', CONFUSION),
    ),
    {
      name: 'HS256 with an empty secret',
      reference: 'RFC 8725 §3.5; RFC 7518 §3.2',
      status: 401,
      request: async ({ as }) =>
        me(
          await signJwt({
            header: { alg: 'HS256', typ: 'at+jwt' },
            payload: claims(as),
            secret: '',
          }),
        ),
    },
  ];
}

function algorithmCases(): AttackCase[] {
  return [
    ...noneSpellings().map(unsigned),
    {
      name: 'alg "none" with the original signature left in place',
      reference: 'RFC 8725 §3.1; RFC 7518 §3.6',
      status: 401,
      async request({ as }) {
        const [, , s] = split(await as.mintAccessToken());
        const h = b64(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: as.kids.ES256 }));
        return me(`${h}.${b64(JSON.stringify(claims(as)))}.${s}`);
      },
    },
    {
      name: 'a real token with its signature stripped',
      reference: 'RFC 8725 §3.3',
      status: 401,
      async request({ as }) {
        const [h, p] = split(await as.mintAccessToken());
        return me(`${h}.${p}.`);
      },
    },
    ...(
      [
        ['an array', ['ES256']],
        ['an object', { name: 'ES256' }],
        ['a number', 256],
        ['null', null],
      ] as const
    ).map(
      ([label, alg]): AttackCase => ({
        name: `alg as ${label}, signed by the server's ES256 key`,
        reference: 'RFC 7515 §4.1.1',
        status: 401,
        request: async ({ as }) =>
          me(
            await as.signJwt({
              header: { alg, typ: 'at+jwt', kid: as.kids.ES256 },
              payload: claims(as),
              alg: 'ES256',
            }),
          ),
      }),
    ),
    {
      name: 'a header that says RS256 over an ES256 signature',
      reference: 'RFC 8725 §3.1',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.signJwt({
            header: { alg: 'RS256', typ: 'at+jwt', kid: as.kids.ES256 },
            payload: claims(as),
            alg: 'ES256',
          }),
        ),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Keys the token names or carries (RFC 8725 §3.10; RFC 7515 §4.1.2–§4.1.6)
// ---------------------------------------------------------------------------------------------

function attackerKeyHeader(
  name: string,
  header: (trapUrl: string, publicJwk: JWK) => Record<string, unknown>,
  reference: string,
  kid: 'attacker' | 'real' = 'attacker',
): AttackCase {
  return {
    name,
    reference,
    status: 401,
    // A made-up kid is unknown: the API refetches the server's JWKS once (never the token's URL).
    upstream: kid === 'attacker' ? { jwks: 1 } : {},
    async request({ as, trapUrl }) {
      const { privateKey, publicKey } = newKeyPairSync({ type: 'ec', namedCurve: 'P-256' });
      const token = await signJwt({
        header: {
          alg: 'ES256',
          typ: 'at+jwt',
          kid: kid === 'attacker' ? 'attacker-key' : as.kids.ES256,
          ...header(trapUrl, publicKey.export({ format: 'jwk' }) as JWK),
        },
        payload: claims(as),
        key: privateKey,
      });
      return me(token, ['attacker-key', trapUrl]);
    },
  };
}

function embeddedKeyCases(): AttackCase[] {
  return [
    attackerKeyHeader(
      'embedded jwk names the key that signed it',
      (_trap, jwk) => ({ jwk }),
      'RFC 8725 §3.10; CVE-2018-0114 (node-jose)',
    ),
    attackerKeyHeader(
      "embedded jwk under the server's real kid",
      (_trap, jwk) => ({ jwk }),
      'RFC 8725 §3.10; CVE-2018-0114 (node-jose)',
      'real',
    ),
    attackerKeyHeader(
      "jku points at the attacker's JWKS",
      (trap) => ({ jku: `${trap}/jwks.json` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.2 (SSRF, key injection)',
    ),
    attackerKeyHeader(
      "jku points at the attacker's JWKS, under the server's real kid",
      (trap) => ({ jku: `${trap}/jwks.json` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.2',
      'real',
    ),
    attackerKeyHeader(
      "x5u points at the attacker's certificate",
      (trap) => ({ x5u: `${trap}/cert.pem` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.5 (SSRF)',
    ),
    {
      name: 'x5c carries a real certificate chain whose key signed the token (a CA nobody trusts)',
      reference: 'RFC 7515 §4.1.6; RFC 8725 §3.10',
      status: 401,
      upstream: { jwks: 1 },
      async request({ as }) {
        const pki = await createCertificates();
        const leaf = await pki.issueClient('attacker');
        const der = (pem: string) =>
          Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
        const token = await signJwt({
          header: {
            alg: 'RS256',
            typ: 'at+jwt',
            kid: 'attacker-cert',
            x5c: [der(leaf.cert), der(pki.ca)],
          },
          payload: claims(as),
          key: createPrivateKey(leaf.key),
        });
        return me(token, ['attacker-cert']);
      },
    },
  ];
}

function kidInjection(label: string, kid: unknown): AttackCase {
  return {
    name: `kid injection: ${label}`,
    reference: 'RFC 8725 §3.10',
    status: 401,
    // A string kid the server does not know makes the API refetch its JWKS once; one longer than
    // any real kid (256) is malformed before that.
    upstream: typeof kid === 'string' && kid.length <= 256 ? { jwks: 1 } : {},
    async request({ as }) {
      // Signed by the server's real ES256 key: only the kid is the attacker's.
      const token = await as.signJwt({
        header: { alg: 'ES256', typ: 'at+jwt', kid },
        payload: claims(as),
        alg: 'ES256',
      });
      return me(token, typeof kid === 'string' && kid.length >= 6 ? [kid] : []);
    },
  };
}

function kidCases(): AttackCase[] {
  return [
    kidInjection('path traversal', '../../../../../../dev/null'),
    kidInjection('a file URL', 'file:///etc/passwd'),
    kidInjection('SQL', "x' UNION SELECT 'secret' --"),
    kidInjection('a shell command', '$(curl http://127.0.0.1:9/kid)'),
    kidInjection('a CRLF and a header', 'kid\r\nSet-Cookie: pwned=1'),
    kidInjection('a NUL byte', 'k\u0000ey'),
    kidInjection('__proto__', '__proto__'),
    kidInjection('constructor', 'constructor'),
    kidInjection('an empty string', ''),
    kidInjection('1,000 characters', 'k'.repeat(1000)),
    kidInjection('5,000 characters', 'k'.repeat(5000)),
    kidInjection('a number', 1),
    kidInjection('an object', { $ne: null }),
    kidInjection('an array', ['a', 'b']),
    kidInjection('null', null),
    kidInjection('true', true),
    {
      name: "the kid of the server's RSA key over an ES256 signature",
      reference: 'RFC 8725 §3.1, §3.10',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.mintAccessToken(
            { sub: 'attacker' },
            { alg: 'ES256', header: { kid: as.kids.RS256 } },
          ),
        ),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Header parameters and token types (RFC 7515 §4.1.11, RFC 8725 §2.3, §2.8, §3.11)
// ---------------------------------------------------------------------------------------------

function headerCases(): AttackCase[] {
  const es256 = (as: AuthorizationServer, extra: Record<string, unknown>) =>
    signedHeader(as, { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256, ...extra });
  return [
    {
      name: 'crit names an extension nobody understands',
      reference: 'RFC 7515 §4.1.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { crit: ['exp'], exp: 1 })),
    },
    {
      name: 'crit b64:false (unencoded payload)',
      reference: 'RFC 7797 §6; RFC 7515 §4.1.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { b64: false, crit: ['b64'] })),
    },
    {
      name: 'crit as an empty list',
      reference: 'RFC 7515 §4.1.11 (MUST NOT be empty)',
      status: 401,
      request: async ({ as }) => me(await es256(as, { crit: [] })),
    },
    {
      name: 'a JWE (five segments) with a PBES2 count of a billion',
      reference: 'RFC 8725 §2.3; CVE-2022-36083 (jose)',
      status: 401,
      upstream: { introspection: 1 },
      request: async () =>
        me(
          `${b64(JSON.stringify({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 1e9, p2s: 'AAAAAAAAAAA' }))}.${b64('key')}.${b64('iv')}.${b64('ciphertext')}.${b64('tag')}`,
        ),
    },
    {
      name: 'a compressed JWE (zip: DEF) that would inflate to gigabytes',
      reference: 'RFC 8725 §3.6; CVE-2024-28176 (jose)',
      status: 401,
      upstream: { introspection: 1 },
      request: async () =>
        me(
          `${b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }))}..${b64('iv-iv-iv-iv')}.${b64(Buffer.alloc(64, 0x78))}.${b64('tag-tag-tag-tag!')}`,
        ),
    },
    {
      name: 'a DPoP proof offered as the access token',
      reference: 'RFC 8725 §2.8, §3.11; RFC 9449 §11.5',
      status: 401,
      request: async ({ baseUrl }) =>
        me(await createDpopProof({ key: createDpopKey(), htm: 'GET', htu: `${baseUrl}/me` })),
    },
    {
      name: 'an ID token offered as the access token',
      reference: 'RFC 8725 §2.8, §3.12; RFC 9068 §4',
      status: 401,
      request: async ({ as }) =>
        me(await as.mintAccessToken({ nonce: 'n-0S6_WzA2Mj', at_hash: 'x' }, { typ: 'JWT' })),
    },
    {
      name: "a token signed by the server's key but typed as a DPoP proof",
      reference: 'RFC 8725 §3.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { typ: 'dpop+jwt' })),
    },
    {
      name: "a logout token (typ logout+jwt) signed by the server's key",
      reference: 'RFC 8725 §2.8, §3.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { typ: 'logout+jwt' })),
    },
    {
      name: 'typ as an array',
      reference: 'RFC 7515 §4.1.9; RFC 8725 §3.11',
      status: 401,
      request: async ({ as }) => me(await es256(as, { typ: ['at+jwt'] })),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Signatures and keys that must not verify (RFC 8725 §3.2–§3.4, RFC 7518 §3)
// ---------------------------------------------------------------------------------------------

const P256_ORDER = Buffer.from(
  'FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551',
  'hex',
);
const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** An IEEE P1363 `r ‖ s` ECDSA signature as ASN.1 DER, the other encoding of the same value. */
function p1363ToDer(signature: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let body = bytes.subarray(start);
    if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const half = signature.length / 2;
  const seq = Buffer.concat([
    integer(signature.subarray(0, half)),
    integer(signature.subarray(half)),
  ]);
  return Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
}

function littleEndian(bytes: Buffer): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
}

function toLittleEndian(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex').reverse();
}

function signatureCases(): AttackCase[] {
  const resign = (
    name: string,
    reference: string,
    alg: 'ES256' | 'RS256' | 'EdDSA',
    tamper: (signature: Buffer) => Buffer,
  ): AttackCase => ({
    name,
    reference,
    status: 401,
    async request({ as }) {
      const [h, p, s] = split(await as.mintAccessToken({ sub: 'attacker' }, { alg }));
      return me(`${h}.${p}.${b64(tamper(Buffer.from(s, 'base64url')))}`);
    },
  });
  return [
    resign(
      'psychic ECDSA signature (r = s = 0) under a real kid',
      'CVE-2022-21449; RFC 8725 §3.3',
      'ES256',
      () => Buffer.alloc(64),
    ),
    resign(
      'ECDSA signature with r = s = n (the curve order)',
      'CVE-2022-21449; RFC 8725 §3.3',
      'ES256',
      () => Buffer.concat([P256_ORDER, P256_ORDER]),
    ),
    resign(
      'a valid ECDSA signature re-encoded as ASN.1 DER',
      'RFC 7518 §3.4 (R ‖ S only)',
      'ES256',
      p1363ToDer,
    ),
    resign('an ECDSA signature one byte short', 'RFC 7518 §3.4', 'ES256', (s) => s.subarray(1)),
    resign(
      'an Ed25519 signature with S + L (malleated)',
      'RFC 8032 §5.1.7 (S < L)',
      'EdDSA',
      (s) => {
        const S = littleEndian(s.subarray(32));
        return Buffer.concat([s.subarray(0, 32), toLittleEndian(S + ED25519_ORDER, 32)]);
      },
    ),
    resign(
      'an RSA signature with a leading zero byte (longer than the modulus)',
      'RFC 8017 §8.2.2 (length check)',
      'RS256',
      (s) => Buffer.concat([Buffer.from([0]), s]),
    ),
    resign('an RSA signature of all zeros', 'RFC 8725 §3.3', 'RS256', (s) =>
      Buffer.alloc(s.length),
    ),
    ...(
      [
        [
          'a 512-bit RSA key',
          { modulusLength: 512 },
          'RFC 7518 §3.3 (2048 bits or larger); RFC 8725 §3.2',
        ],
        [
          'a 1024-bit RSA key',
          { modulusLength: 1024 },
          'RFC 7518 §3.3 (2048 bits or larger); RFC 8725 §3.2',
        ],
        [
          'an RSA key with public exponent 3',
          { publicExponent: 3 },
          "Bleichenbacher's e=3 forgery; CVE-2022-24771, CVE-2022-24772 (node-forge)",
        ],
        [
          'a 16384-bit RSA key (each check about 20x costlier)',
          { modulusLength: 16384 },
          'CWE-400; RFC 8725 §3.2 (at most 8192 bits)',
        ],
        [
          'a 3072-bit RSA key with a 3070-bit exponent (each check about 170x costlier)',
          { modulusLength: 3072, publicExponentLength: 3070 },
          'CWE-400 (exponent at most 2^32)',
        ],
      ] as const
    ).map(
      ([label, options, reference]): AttackCase => ({
        name: `${label} published in the JWKS`,
        reference,
        status: 401,
        upstream: { jwks: 1 },
        async request({ as }) {
          const { kid } = await as.addKey({ alg: 'RS256', ...options });
          return me(await as.mintAccessToken({ sub: 'attacker' }, { kid }));
        },
      }),
    ),
    {
      name: 'a key not in the JWKS under a real kid (forged signature)',
      reference: 'RFC 8725 §3.3',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.mintAccessToken({ sub: 'attacker' }, { key: 'unpublished', kid: as.kids.ES256 }),
        ),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Encodings and JSON (RFC 7515 §2, §5.2; RFC 7519 §4, §7.2; RFC 8259; RFC 8725 §3.7)
// ---------------------------------------------------------------------------------------------

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encodingCases(): AttackCase[] {
  return [
    {
      name: 'a non-canonical base64url signature (stray low bits)',
      reference: 'RFC 7515 §2, Appendix C; RFC 4648 §3.5',
      status: 401,
      async request({ as }) {
        const [h, p, s] = split(await as.mintAccessToken({}, { alg: 'ES256' }));
        const last = BASE64URL.indexOf(s[s.length - 1] as string);
        return me(`${h}.${p}.${s.slice(0, -1)}${BASE64URL[last | 1]}`);
      },
    },
    {
      name: 'a valid token with base64 padding appended (a malformed JWT, never introspected)',
      reference: 'RFC 7515 §2, §7.1 (no padding)',
      status: 401,
      upstream: { introspection: 0 },
      request: async ({ as }) => me(`${await as.mintAccessToken({ sub: 'attacker' })}==`),
    },
    {
      name: 'an ID token with base64 padding appended (a malformed JWT, never introspected)',
      reference: 'RFC 8725 §2.8, §3.11; RFC 7515 §2',
      status: 401,
      upstream: { introspection: 0 },
      request: async ({ as }) =>
        me(
          `${await as.mintAccessToken({ sub: 'attacker', nonce: 'n-0S6_WzA2Mj' }, { typ: 'JWT' })}==`,
        ),
    },
    {
      name: 'a signature in the base64 alphabet (+ and / for - and _; a malformed JWT)',
      reference: 'RFC 7515 §2; RFC 4648 §5',
      status: 401,
      upstream: { introspection: 0 },
      async request({ as }) {
        // Sign until the signature has a - or _, so that re-encoding it changes the token.
        for (;;) {
          const [h, p, s] = split(await as.mintAccessToken({ sub: 'attacker' }, { alg: 'ES256' }));
          if (/[-_]/.test(s)) return me(`${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`);
        }
      },
    },
    {
      name: 'repeated member names in the payload (the first says another issuer)',
      reference: 'RFC 7515 §5.2; RFC 7519 §4; RFC 8259 §4',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as));
        return me(await signedPayload(as, `{"iss":"https://evil.example",${body.slice(1)}`));
      },
    },
    {
      name: 'repeated member names in the payload (the last widens the scope)',
      reference: 'RFC 7515 §5.2; RFC 7519 §4',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as));
        return createOrder(await signedPayload(as, `${body.slice(0, -1)},"scope":"orders:write"}`));
      },
    },
    {
      name: 'repeated alg in the header ("none", then the real one)',
      reference: 'RFC 7515 §5.2; RFC 8725 §3.1',
      status: 401,
      request: async ({ as }) =>
        me(
          await signedHeader(
            as,
            `{"alg":"none","typ":"at+jwt","kid":"${as.kids.ES256}","alg":"ES256"}`,
          ),
        ),
    },
    {
      name: 'a UTF-8 byte order mark before the payload JSON',
      reference: 'RFC 8259 §8.1; RFC 8725 §3.7',
      status: 401,
      request: async ({ as }) => me(await signedPayload(as, `\uFEFF${JSON.stringify(claims(as))}`)),
    },
    ...(
      [
        ['an array', '["iss","sub"]'],
        ['null', 'null'],
        ['a string', '"orders:write"'],
      ] as const
    ).map(
      ([label, json]): AttackCase => ({
        name: `a signed payload that is ${label}, not an object`,
        reference: 'RFC 7519 §7.2 (step 10)',
        status: 401,
        request: async ({ as }) => me(await signedPayload(as, json)),
      }),
    ),
    {
      name: 'an aud nested 1,500 arrays deep',
      reference: 'RFC 8725 §3.9; CWE-674 (uncontrolled recursion)',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as, { aud: 0 }));
        const nested = `${'['.repeat(1500)}"${as.audience}"${']'.repeat(1500)}`;
        return me(await signedPayload(as, body.replace('"aud":0', `"aud":${nested}`)));
      },
    },
    {
      name: '__proto__ claims trying to add a scope',
      reference: 'CWE-1321 (prototype pollution)',
      status: 403,
      async request({ as }) {
        const json = JSON.stringify(claims(as, { scope: 'profile' })).replace(
          '{',
          '{"__proto__":{"scope":"orders:write"},',
        );
        return createOrder(await signedPayload(as, json));
      },
    },
    {
      name: 'constructor.prototype claims trying to add a scope',
      reference: 'CWE-1321 (prototype pollution)',
      status: 403,
      request: async ({ as }) =>
        createOrder(
          await as.mintAccessToken({
            scope: 'profile',
            constructor: { prototype: { scope: 'orders:write' } },
          }),
        ),
    },
    {
      name: 'a __proto__ header member carrying alg "none"',
      reference: 'CWE-1321 (prototype pollution); RFC 8725 §3.1',
      status: 401,
      async request({ as }) {
        const h = b64(`{"__proto__":{"alg":"none"},"typ":"at+jwt","kid":"${as.kids.ES256}"}`);
        return me(`${h}.${b64(JSON.stringify(claims(as)))}.`);
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Claims (RFC 7519 §4.1, RFC 8725 §3.8, §3.9, RFC 6750 §5, RFC 9068 §4)
// ---------------------------------------------------------------------------------------------

function claimCases(): AttackCase[] {
  const numeric = (
    name: string,
    literal: string,
    label: string,
    reference: string,
  ): AttackCase => ({
    name: `${name} of ${label}`,
    reference,
    status: 401,
    async request({ as }) {
      const json = JSON.stringify(claims(as, { [name]: 0 })).replace(
        `"${name}":0`,
        `"${name}":${literal}`,
      );
      return me(await signedPayload(as, json));
    },
  });
  const minted = (
    name: string,
    reference: string,
    extra: (as: AuthorizationServer) => Record<string, unknown>,
    status: 401 | 403 = 401,
    route: 'me' | 'create' = 'me',
  ): AttackCase => ({
    name,
    reference,
    status,
    async request({ as }) {
      const token = await as.mintAccessToken({ sub: 'attacker', ...extra(as) });
      return route === 'me' ? me(token) : createOrder(token);
    },
  });
  return [
    numeric('exp', '1e400', '1e400 (Infinity once parsed)', 'RFC 7519 §2 (NumericDate), §4.1.4'),
    numeric('exp', '"99999999999"', 'a numeric string', 'RFC 7519 §2, §4.1.4'),
    numeric('exp', 'true', 'true', 'RFC 7519 §2, §4.1.4'),
    numeric('nbf', '1e400', '1e400', 'RFC 7519 §4.1.5'),
    numeric('iat', '1e400', '1e400 (issued in the infinite future)', 'RFC 7519 §4.1.6'),
    numeric('exp', '1e-400', '1e-400 (0 once parsed)', 'RFC 7519 §4.1.4'),
    minted('an expired token replayed', 'RFC 6750 §5.1, §5.3; RFC 7519 §4.1.4', () => ({
      exp: now() - 3600,
      iat: now() - 7200,
    })),
    minted('no exp at all', 'RFC 9068 §2.2; RFC 6750 §5.3', () => ({ exp: undefined })),
    minted(
      'iss as an array containing the trusted issuer',
      'RFC 7519 §4.1.1; CVE-2025-30144 (fast-jwt)',
      (as) => ({ iss: [as.issuer, 'https://evil.example'] }),
    ),
    minted('iss with a trailing slash added', 'RFC 8725 §3.8; RFC 8414 §3.3', (as) => ({
      iss: `${as.issuer}/`,
    })),
    minted('iss in upper case', 'RFC 8725 §3.8', (as) => ({ iss: as.issuer.toUpperCase() })),
    minted(
      'a token for another API (audience substitution)',
      'RFC 6750 §5.1 (token redirect); RFC 8725 §3.9',
      () => ({ aud: 'https://other-api.example.com' }),
    ),
    minted('aud extended with a suffix', 'RFC 8725 §3.9', (as) => ({
      aud: `${as.audience}.evil.example`,
    })),
    minted('aud cut to a prefix', 'RFC 8725 §3.9', (as) => ({ aud: as.audience.slice(0, -4) })),
    minted('aud as an object', 'RFC 7519 §4.1.3', (as) => ({ aud: { [as.audience]: true } })),
    minted('no aud at all', 'RFC 9068 §4; RFC 8725 §3.9', () => ({ aud: undefined })),
    minted(
      'scp widening a narrower scope claim',
      'RFC 9068 §2.2.3 (scope); a token must not mean two things',
      () => ({ scope: 'orders:read', scp: ['orders:write'] }),
      403,
      'create',
    ),
    minted(
      'scope as an array',
      'RFC 9068 §2.2.3; RFC 6749 §3.3 (space-delimited string)',
      () => ({ scope: ['orders:write'] }),
      401,
      'create',
    ),
    minted('a bound token (cnf.jkt) sent as a bearer token', 'RFC 9449 §7.2 (downgrade)', () => ({
      cnf: { jkt: createDpopKey().thumbprint },
    })),
    minted('cnf as a string', 'RFC 7800 §3.1', () => ({ cnf: 'jkt' })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Where the token travels (RFC 6750 §2, §5.3)
// ---------------------------------------------------------------------------------------------

function transportCases(): AttackCase[] {
  return [
    {
      name: 'a token in the query string, which the API does not accept',
      reference: 'RFC 6750 §2.3, §5.3',
      status: 401,
      async request({ as }) {
        const token = await as.mintAccessToken();
        return { method: 'GET', path: `/me?access_token=${token}`, headers: {}, secrets: [token] };
      },
    },
    {
      name: 'two Authorization headers (a valid token, then a forged one)',
      reference: 'RFC 6750 §2; RFC 9110 §5.3',
      status: 400,
      async request({ as }) {
        const valid = await as.mintAccessToken();
        const forged = await as.mintAccessToken({ sub: 'attacker' }, { key: 'unpublished' });
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: [`Bearer ${valid}`, `Bearer ${forged}`] },
          secrets: [valid, forged],
        };
      },
    },
    {
      name: 'an 8 KiB + 1 token (header bloat)',
      reference: 'RFC 6750 §5.3; CWE-400',
      status: 401,
      request: async () => me('A'.repeat(8193)),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Opaque tokens and introspection (RFC 7662 §4, RFC 7009)
// ---------------------------------------------------------------------------------------------

function introspectionCases(): AttackCase[] {
  const opaque = (
    name: string,
    reference: string,
    make: (as: AuthorizationServer) => Promise<string>,
    status: 401 | 403 = 401,
  ): AttackCase => ({
    name,
    reference,
    status,
    upstream: { introspection: 1 },
    request: async ({ as }) => me(await make(as)),
  });
  return [
    opaque('a guessed opaque token (token scanning)', 'RFC 7662 §4', async () =>
      Buffer.from(`guessed-${Math.random()}`).toString('base64url'),
    ),
    opaque('a revoked opaque token', 'RFC 7662 §4; RFC 7009 §2', async (as) => {
      const token = await as.mintOpaqueToken({ sub: 'attacker' });
      as.revoke(token);
      return token;
    }),
    opaque('an expired opaque token', 'RFC 7662 §2.2; RFC 6750 §5.3', (as) =>
      as.mintOpaqueToken({ sub: 'attacker' }, { expiresIn: -60 }),
    ),
    opaque('an active opaque token for another API', 'RFC 7662 §4 (audience); RFC 8707', (as) =>
      as.mintOpaqueToken({ sub: 'attacker', aud: 'https://other-api.example.com' }),
    ),
    opaque(
      'an active opaque token from another issuer',
      'RFC 7662 §2.2 (iss); RFC 8725 §3.8',
      (as) => as.mintOpaqueToken({ sub: 'attacker', iss: 'https://evil.example' }),
    ),
    opaque(
      'a refresh token presented as an access token',
      'RFC 7662 §2.2 (token_type); RFC 6749 §1.5',
      (as) => as.mintOpaqueToken({ sub: 'attacker', token_type: 'refresh_token' }),
    ),
    opaque('a DPoP-bound opaque token sent as a bearer token', 'RFC 9449 §7.2, §8.2', (as) =>
      as.mintOpaqueToken({ sub: 'attacker', cnf: { jkt: createDpopKey().thumbprint } }),
    ),
    opaque(
      'an opaque token introspected as token_type DPoP, without cnf.jkt, sent as a bearer token',
      'RFC 9449 §6.2, §7.2; RFC 7662 §2.2 (token_type)',
      (as) => as.mintOpaqueToken({ sub: 'attacker', token_type: 'DPoP' }),
    ),
    opaque(
      'an active opaque token whose introspection answer has no aud',
      'RFC 9700 §2.3 (audience restriction); RFC 7662 §2.2',
      (as) => as.mintOpaqueToken({ sub: 'attacker', aud: undefined }),
    ),
    {
      name: 'an opaque token smuggling another introspection parameter',
      reference: 'RFC 7662 §2.1; RFC 6750 §2.1 (b64token)',
      status: 400,
      async request({ as }) {
        const token = await as.mintOpaqueToken();
        return me(`${token}&token_type_hint=refresh_token&token=${token}`);
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// DPoP (RFC 9449 §4.3, §7, §11)
// ---------------------------------------------------------------------------------------------

interface ProofParts {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Signs with this key and algorithm instead of the client key's. */
  sign?: { alg: string; key?: KeyObject; secret?: string };
}

/** A DPoP request to `GET /me` with a bound token and a proof built from `parts`. */
function dpopCase(
  name: string,
  reference: string,
  parts: (input: {
    key: DpopKey;
    header: Record<string, unknown>;
    claims: Record<string, unknown>;
  }) => ProofParts,
  status: 400 | 401 = 401,
  makeKey: () => DpopKey = createDpopKey,
): AttackCase {
  return {
    name,
    reference,
    status,
    async request({ as, baseUrl }) {
      const key = makeKey();
      const token = await as.mintAccessToken({ sub: 'attacker', cnf: { jkt: key.thumbprint } });
      const good = await createDpopProof({
        key,
        htm: 'GET',
        htu: `${baseUrl}/me`,
        accessToken: token,
      });
      const [h, p] = split(good);
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const built = parts({ key, header, claims: payload });
      const sign = built.sign ?? { alg: key.alg, key: key.privateKey };
      const proof = await signJwt({
        header: built.header,
        payload: built.claims,
        alg: sign.alg,
        ...(sign.key === undefined ? {} : { key: sign.key }),
        ...(sign.secret === undefined ? {} : { secret: sign.secret }),
      });
      return {
        method: 'GET',
        path: '/me',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
        secrets: [token, proof],
      };
    },
  };
}

function dpopCases(): AttackCase[] {
  const rsa1024 = () => newKeyPairSync({ type: 'rsa', modulusLength: 1024 });
  return [
    {
      name: 'a DPoP proof replayed',
      reference: 'RFC 9449 §11.1',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
        const proof = await createDpopProof({
          key,
          htm: 'GET',
          htu: `${baseUrl}/me`,
          accessToken: token,
        });
        const headers = { authorization: `DPoP ${token}`, dpop: proof };
        const first = await sendRequest(new URL('/me', baseUrl), {
          method: 'GET',
          path: '/me',
          headers,
        });
        if (first.status !== 200) {
          throw new Error(`the original DPoP request was not accepted: ${first.status}`);
        }
        return { method: 'GET', path: '/me', headers, secrets: [token, proof] };
      },
    },
    dpopCase(
      'a DPoP proof made an hour ago (pre-generated)',
      'RFC 9449 §11.2, §4.3 (iat)',
      (p) => ({
        ...p,
        claims: { ...p.claims, iat: now() - 3600 },
      }),
    ),
    dpopCase(
      'a DPoP proof dated an hour ahead (pre-generated)',
      'RFC 9449 §11.2, §4.3 (iat)',
      (p) => ({
        ...p,
        claims: { ...p.claims, iat: now() + 3600 },
      }),
    ),
    dpopCase('a DPoP proof for another access token (ath)', 'RFC 9449 §4.3, §11.8', (p) => ({
      ...p,
      claims: { ...p.claims, ath: b64(Buffer.alloc(32, 7)) },
    })),
    dpopCase('a DPoP proof without ath', 'RFC 9449 §4.2, §4.3', (p) => {
      const { ath: _ath, ...rest } = p.claims;
      return { ...p, claims: rest };
    }),
    dpopCase('a DPoP proof for another method (htm)', 'RFC 9449 §4.3', (p) => ({
      ...p,
      claims: { ...p.claims, htm: 'POST' },
    })),
    dpopCase(
      'a DPoP proof with htm in lower case',
      'RFC 9449 §4.3; RFC 9110 §9.1 (case-sensitive)',
      (p) => ({
        ...p,
        claims: { ...p.claims, htm: 'get' },
      }),
    ),
    dpopCase('a DPoP proof for another URL (htu)', 'RFC 9449 §4.3', (p) => ({
      ...p,
      claims: { ...p.claims, htu: `${String(p.claims.htu).replace(/\/me$/, '/admin')}` },
    })),
    dpopCase('a DPoP proof typed JWT', 'RFC 9449 §11.5', (p) => ({
      ...p,
      header: { ...p.header, typ: 'JWT' },
    })),
    dpopCase('a DPoP proof with alg "none"', 'RFC 9449 §11.6', (p) => ({
      ...p,
      header: { ...p.header, alg: 'none' },
      sign: { alg: 'none' },
    })),
    dpopCase('a DPoP proof MACed with HS256 and a symmetric jwk', 'RFC 9449 §4.3, §11.6', (p) => ({
      ...p,
      header: {
        ...p.header,
        alg: 'HS256',
        jwk: { kty: 'oct', k: b64('proof-secret-proof-secret-proof!') },
      },
      sign: { alg: 'HS256', secret: 'proof-secret-proof-secret-proof!' },
    })),
    dpopCase('a DPoP proof whose jwk carries the private key', 'RFC 9449 §4.3 (jwk)', (p) => ({
      ...p,
      header: { ...p.header, jwk: p.key.privateKey.export({ format: 'jwk' }) },
    })),
    dpopCase('a DPoP proof signed by another key than its jwk', 'RFC 9449 §4.3', (p) => ({
      ...p,
      sign: { alg: 'ES256', key: createDpopKey().privateKey },
    })),
    dpopCase(
      'a DPoP proof whose jwk is not a point on P-256 (invalid curve)',
      'RFC 8725 §3.4; RFC 9449 §4.3',
      (p) => {
        const jwk = p.header.jwk as { x: string; y: string };
        const y = Buffer.from(jwk.y, 'base64url');
        y[y.length - 1] = ((y[y.length - 1] as number) + 1) & 0xff;
        return { ...p, header: { ...p.header, jwk: { ...jwk, y: b64(y) } } };
      },
    ),
    dpopCase('a DPoP proof with a 1024-bit RSA key', 'RFC 9449 §11.6; RFC 7518 §3.3', (p) => {
      const weak = rsa1024();
      return {
        ...p,
        header: { ...p.header, alg: 'RS256', jwk: weak.publicKey.export({ format: 'jwk' }) },
        sign: { alg: 'RS256', key: weak.privateKey },
      };
    }),
    dpopCase(
      'a DPoP proof whose jwk is an encryption key (use "enc")',
      'RFC 7517 §4.2; RFC 9449 §4.3 (the same key rules as a JWKS)',
      (p) => ({ ...p, header: { ...p.header, jwk: { ...(p.header.jwk as object), use: 'enc' } } }),
    ),
    dpopCase(
      'a DPoP proof whose jwk key_ops lack "verify"',
      'RFC 7517 §4.3; RFC 9449 §4.3 (the same key rules as a JWKS)',
      (p) => ({
        ...p,
        header: {
          ...p.header,
          jwk: { ...(p.header.jwk as object), key_ops: ['encrypt', 'wrapKey'] },
        },
      }),
    ),
    dpopCase(
      'a DPoP proof whose jwk is for PS256, signed RS256 with the same key',
      'RFC 7517 §4.4; RFC 8725 §3.1 (one key, one algorithm)',
      (p) => ({
        ...p,
        header: { ...p.header, jwk: { ...(p.header.jwk as object), alg: 'PS256' } },
      }),
      401,
      () => createDpopKey('RS256'),
    ),
    dpopCase(
      'a DPoP proof with a 16384-bit RSA key (each check about 20x costlier)',
      'RFC 9449 §11.6; CWE-400 (at most 8192 bits)',
      (p) => p,
      401,
      () => createDpopKey('RS256', { modulusLength: 16384 }),
    ),
    dpopCase(
      'a DPoP proof with a 3072-bit RSA key and a 3070-bit exponent (each check about 170x costlier)',
      'RFC 9449 §11.6; CWE-400 (exponent at most 2^32)',
      (p) => p,
      401,
      () => createDpopKey('RS256', { modulusLength: 3072, publicExponentLength: 3070 }),
    ),
    ...htuTricks(),
    dpopCase('a DPoP proof with crit', 'RFC 7515 §4.1.11', (p) => ({
      ...p,
      header: { ...p.header, crit: ['exp'], exp: 1 },
    })),
    dpopCase('a DPoP proof whose jti is an array', 'RFC 9449 §4.2 (jti)', (p) => ({
      ...p,
      claims: { ...p.claims, jti: ['a', 'b'] },
    })),
    {
      name: 'two DPoP headers',
      reference: 'RFC 9449 §4.3 (exactly one DPoP header)',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
        const proof = () =>
          createDpopProof({ key, htm: 'GET', htu: `${baseUrl}/me`, accessToken: token });
        const proofs = [await proof(), await proof()];
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: `DPoP ${token}`, dpop: proofs },
          secrets: [token, ...proofs],
        };
      },
    },
    {
      name: 'a DPoP proof bound to another key than the token (cnf.jkt)',
      reference: 'RFC 9449 §4.3, §6.1, §11.8',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: createDpopKey().thumbprint } });
        const proof = await createDpopProof({
          key,
          htm: 'GET',
          htu: `${baseUrl}/me`,
          accessToken: token,
        });
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: `DPoP ${token}`, dpop: proof },
          secrets: [token, proof],
        };
      },
    },
    ...hostTricks(),
  ];
}

/** Sends `count` requests `at` a time; returns their statuses. */
async function flood(
  baseUrl: string,
  count: number,
  at: number,
  make: (i: number) => Promise<ConformanceRequest> | ConformanceRequest,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += at) {
    const batch = Array.from({ length: Math.min(at, count - i) }, async (_, j) => {
      const req = await make(i + j);
      return (await sendRequest(new URL(req.path, baseUrl), req)).status;
    });
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

const madeUpToken = () => randomBytes(24).toString('base64url');

/** A DPoP request to `GET /me` with `token` (bound to `key`) and a fresh proof. */
async function dpopMe(baseUrl: string, key: DpopKey, token: string): Promise<AttackRequest> {
  const proof = await createDpopProof({
    key,
    htm: 'GET',
    htu: `${baseUrl}/me`,
    accessToken: token,
  });
  return {
    method: 'GET',
    path: '/me',
    headers: { authorization: `DPoP ${token}`, dpop: proof },
    secrets: [token, proof],
  };
}

/**
 * Shared state under floods: the replay memory must not forget a live `jti` whatever fills the
 * store, and made-up opaque tokens must not become a flood on the authorization server (RFC 7662
 * §4) nor put every other opaque token into the failure backoff. The table's floods are small
 * (core's tests flood at the default sizes); the runner's control sends a valid opaque token too,
 * so an introspection backoff left behind shows.
 */
function sharedStateCases(): AttackCase[] {
  return [
    {
      name: 'a captured DPoP proof replayed after a flood of 500 made-up opaque tokens',
      reference: 'RFC 9449 §11.1; RFC 7662 §4',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
        const captured = await dpopMe(baseUrl, key, token);
        const first = await sendRequest(new URL('/me', baseUrl), captured);
        if (first.status !== 200)
          throw new Error(`the captured proof was not accepted: ${first.status}`);
        const statuses = await flood(baseUrl, 500, 50, () => me(madeUpToken()));
        if (statuses.some((status) => status !== 401 && status !== 503)) {
          throw new Error(`a made-up token got ${statuses.find((s) => s !== 401 && s !== 503)}`);
        }
        return captured;
      },
    },
    {
      name: "a captured DPoP proof replayed after 200 of the attacker's own proofs",
      reference: 'RFC 9449 §11.1',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ sub: 'attacker', cnf: { jkt: key.thumbprint } });
        const captured = await dpopMe(baseUrl, key, token);
        const first = await sendRequest(new URL('/me', baseUrl), captured);
        if (first.status !== 200)
          throw new Error(`the captured proof was not accepted: ${first.status}`);
        const statuses = await flood(baseUrl, 200, 20, () => dpopMe(baseUrl, key, token));
        if (statuses.some((status) => status !== 200 && status !== 503)) {
          throw new Error(
            `one of the attacker's own proofs got ${statuses.find((s) => s !== 200)}`,
          );
        }
        return captured;
      },
    },
    {
      name: '200 made-up opaque tokens in flight against a slow authorization server (token fishing)',
      reference: 'RFC 7662 §4; CWE-770',
      status: 401,
      upstream: { introspection: 1 },
      async request({ as, baseUrl }) {
        as.faults.set('introspection', { delayMs: 200 });
        let statuses: number[];
        try {
          statuses = await flood(baseUrl, 200, 200, () => me(madeUpToken()));
        } finally {
          as.faults.clear('introspection');
        }
        // Core's default introspection.maxConcurrentCalls; the rest wait briefly, then 503.
        const peak = as.peakConcurrency.introspection;
        if (peak > 16) throw new Error(`the authorization server saw ${peak} calls at once`);
        if (statuses.some((status) => status !== 401 && status !== 503)) {
          throw new Error(`a made-up token got ${statuses.find((s) => s !== 401 && s !== 503)}`);
        }
        return me(madeUpToken());
      },
    },
    {
      name: 'a made-up token the authorization server refuses with 413',
      reference: 'RFC 7662 §2.3, §4; RFC 9110 §15.5.14',
      status: 401,
      upstream: { introspection: 1 },
      async request({ as }) {
        // One odd answer about one token must not put every other opaque token into backoff:
        // the runner's control sends a valid opaque token right after.
        as.faults.set('introspection', { status: 413, times: 1 });
        return me(randomBytes(3000).toString('base64url'));
      },
    },
  ];
}

/**
 * Proofs whose `htu` names another resource than `GET /me` once read correctly (RFC 3986 §6.2.2
 * normalisation, nothing more): each would pass a verifier that decodes too much or compares
 * case-insensitively.
 */
function htuTricks(): AttackCase[] {
  const tricks: Array<[string, string]> = [
    ['hides a slash as %2F ("/admin/..%2Fme" is not "/me")', '/admin/..%2Fme'],
    ['is percent-encoded twice ("%256De" is not "me")', '/%256De'],
    ['changes case through an escape ("%4De" is "Me")', '/%4De'],
    ['climbs to another path with encoded dot segments', '/me/%2e%2E/admin'],
  ];
  return tricks.map(([label, path]) =>
    dpopCase(`a DPoP proof whose htu ${label}`, 'RFC 9449 §4.3 (htu); RFC 3986 §6.2.2', (p) => ({
      ...p,
      claims: { ...p.claims, htu: `${new URL(String(p.claims.htu)).origin}${path}` },
    })),
  );
}

/** Requests crafted so that the URL the API builds would match a proof made for another host. */
function hostTricks(): AttackCase[] {
  const tricks: Array<[string, Record<string, string>, 400 | 401]> = [
    ['a path in the Host', { host: 'api.example.test/evil' }, 400],
    ['userinfo in the Host', { host: 'user@api.example.test' }, 400],
    ['a space in the Host', { host: 'api.example.test evil' }, 400],
    ['a Host other than the one the proof names', { host: 'evil.example' }, 401],
    [
      "X-Forwarded-Host naming the proof's host (no proxy is trusted)",
      { 'x-forwarded-host': 'api.example.test' },
      401,
    ],
    [
      "Forwarded naming the proof's host (no proxy is trusted)",
      { forwarded: 'host=api.example.test;proto=http' },
      401,
    ],
  ];
  return tricks.map(([label, extra, status]) => ({
    name: `DPoP htu vs Host: ${label}`,
    reference: 'RFC 9449 §4.3 (htu), §11.1; RFC 9110 §7.2; RFC 7239',
    status,
    async request({ as }) {
      const key = createDpopKey();
      const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
      const proof = await createDpopProof({
        key,
        htm: 'GET',
        htu: 'http://api.example.test/me',
        accessToken: token,
      });
      return {
        method: 'GET',
        path: '/me',
        headers: { ...extra, authorization: `DPoP ${token}`, dpop: proof },
        secrets: [token, proof, ...Object.values(extra)],
      };
    },
  }));
}

// ---------------------------------------------------------------------------------------------
// Composed requirements: an inner level (route, hook, handler) that would replace an outer one
// (guard, route config, controller) instead of adding to it (CWE-863)
// ---------------------------------------------------------------------------------------------

function compositionCases(): AttackCase[] {
  const composed = (
    name: string,
    path: string,
    status: 401 | 403,
    tokenClaims?: Record<string, unknown>,
  ): AttackCase => ({
    name,
    reference: 'CWE-863 (incorrect authorization); RFC 6750 §3.1',
    status,
    async request({ as }): Promise<AttackRequest> {
      if (tokenClaims === undefined) return { method: 'GET', path, headers: {}, secrets: [] };
      const token = await as.mintAccessToken(tokenClaims);
      return {
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${token}` },
        secrets: [token],
      };
    },
  });
  return [
    composed(
      "another tenant's token meeting the inner level's claim rules, where the outer level demands the tenant",
      '/tenant/admin',
      403,
      { tenant: 'evilcorp', role: 'admin' },
    ),
    composed(
      "a token with one of the inner level's anyScopes and none of the outer level's",
      '/reports',
      403,
      { scope: 'orders:read' },
    ),
    composed(
      'no token, where the outer level is optional and the route itself requires a scope',
      '/optional/orders',
      401,
    ),
  ];
}

/**
 * The attack table: requests built from RFC 8725 (JWT BCP), RFC 9449 §11, RFC 6750 §5, RFC 7662
 * §4 and the published JWT attack catalogues and CVEs, each naming its reference, with the status
 * the API must answer. Run every case with {@link runAttackCase} and compare what it observed
 * with {@link expectedAttackResult}: the expected status (never a 500), nothing the attacker sent
 * echoed back, no request to a URL the token named, only the upstream requests the case allows,
 * and a valid token still accepted afterwards.
 *
 * @example
 * ```ts
 * for (const attack of attackCases()) {
 *   it(`${attack.name} (${attack.reference})`, async () => {
 *     const result = await runAttackCase(attack, { as, baseUrl, trap });
 *     expect(result).toEqual(expectedAttackResult(attack));
 *   });
 * }
 * ```
 */
export function attackCases(): AttackCase[] {
  return [
    ...algorithmCases(),
    ...keyConfusionCases(),
    ...embeddedKeyCases(),
    ...kidCases(),
    ...headerCases(),
    ...signatureCases(),
    ...encodingCases(),
    ...claimCases(),
    ...transportCases(),
    ...introspectionCases(),
    ...dpopCases(),
    ...compositionCases(),
    ...sharedStateCases(),
  ];
}

/** A loopback server that counts requests: URLs in tokens point at it. */
export interface Trap {
  url: string;
  readonly hits: number;
  close(): Promise<void>;
}

/**
 * Starts a trap server for {@link runAttackCase}. It answers everything with an empty JWKS.
 *
 * @example
 * ```ts
 * const trap = await startTrap();
 * // … run attacks …
 * expect(trap.hits).toBe(0);
 * ```
 */
export async function startTrap(): Promise<Trap> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return hits;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What {@link runAttackCase} must observe for `attack`: its status, nothing echoed, no trap hit,
 * the upstream requests it allows (0 unless the case says otherwise), and a 200 for the valid
 * token sent afterwards.
 *
 * @example
 * ```ts
 * expect(await runAttackCase(attack, { as, baseUrl, trap })).toEqual(expectedAttackResult(attack));
 * ```
 */
export function expectedAttackResult(attack: AttackCase): AttackResult {
  return {
    status: attack.status,
    echoed: [],
    trapHits: 0,
    upstream: {
      jwks: attack.upstream?.jwks ?? 0,
      introspection: attack.upstream?.introspection ?? 0,
      metadata: 0,
      token: 0,
    },
    control: 200,
  };
}

/**
 * Runs one attack against a running API and reports what happened: the status, anything the
 * attacker sent that came back, requests to the trap and to the authorization server, and the
 * status of a valid token sent right after. A valid JWT and a valid opaque token are sent first
 * (they must be accepted), so that discovery and key fetches happen before the attack is counted.
 *
 * @example
 * ```ts
 * const result = await runAttackCase(attack, { as, baseUrl, trap });
 * ```
 */
export async function runAttackCase(
  attack: AttackCase,
  context: { as: AuthorizationServer; baseUrl: string; trap: Trap },
): Promise<AttackResult> {
  const { as, baseUrl, trap } = context;
  const url = new URL('/me', baseUrl);
  const control = async (token: string) =>
    (
      await sendRequest(url, {
        method: 'GET',
        path: '/me',
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;
  for (const token of [await as.mintAccessToken(), await as.mintOpaqueToken()]) {
    const status = await control(token);
    if (status !== 200)
      throw new Error(`a valid token was not accepted before the attack: ${status}`);
  }
  // A valid JWT, then a valid opaque token: nothing the attack did (a cache, a key set, the
  // introspection backoff) may have poisoned either.
  const afterwards = async () => {
    const jwt = await control(await as.mintAccessToken());
    return jwt !== 200 ? jwt : control(await as.mintOpaqueToken());
  };
  const req = await attack.request({ as, baseUrl, trapUrl: trap.url });
  const hitsBefore = trap.hits;
  const countsBefore = as.counts;
  const res = await sendRequest(new URL(req.path, baseUrl), req);
  const countsAfter = as.counts;
  const upstream = (name: keyof RequestCounts) => countsAfter[name] - countsBefore[name];
  const visible = `${JSON.stringify(res.headers)}\n${res.text}`;
  const echoed = req.secrets.filter((secret) => secret.length >= 6 && visible.includes(secret));
  return {
    status: res.status,
    echoed,
    trapHits: trap.hits - hitsBefore,
    upstream: {
      jwks: upstream('jwks'),
      introspection: upstream('introspection'),
      metadata: upstream('metadata'),
      token: upstream('token'),
    },
    control: await afterwards(),
  };
}
