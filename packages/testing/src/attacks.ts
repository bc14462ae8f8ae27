import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizationServer } from './authorization-server.js';
import type { ConformanceRequest } from './conformance.js';
import { createDpopKey, createDpopProof } from './dpop.js';
import { signJwt } from './sign-jwt.js';

/**
 * Guard options for running the attack table: the conformance app's issuer and audience, DPoP on
 * (for the proof and Host cases), and no JWKS cooldown (so unknown `kid`s reach the JWKS, whose
 * request counter the table watches).
 */
export function attackGuardOptions(as: AuthorizationServer): {
  issuer: string;
  audience: string;
  dpop: { algorithms: Array<'ES256' | 'EdDSA' | 'RS256'> };
  jwks: { cooldown: number; failureBackoff: number };
} {
  return {
    issuer: as.issuer,
    audience: as.audience,
    dpop: { algorithms: ['ES256', 'EdDSA', 'RS256'] },
    jwks: { cooldown: 0, failureBackoff: 0 },
  };
}

/** What an attack needs: the authorization server, the API's base URL and a trap URL. */
export interface AttackContext {
  as: AuthorizationServer;
  /** The API under attack (the conformance routes; attacks use `GET /me`). */
  baseUrl: string;
  /** A loopback server that counts every request: no token may make the API call it. */
  trapUrl: string;
}

/** An attack's request, and the attacker-chosen strings that must never come back. */
export interface AttackRequest extends ConformanceRequest {
  /** Strings the attacker controls (token, kid, URLs…): never echoed in a header or body. */
  secrets: string[];
}

/** One row of the attack table. */
export interface AttackCase {
  name: string;
  /** Where the attack is described: an RFC section or a CVE id. */
  reference: string;
  request(context: AttackContext): Promise<AttackRequest>;
  /** The status the API must answer with (never 500, never 200 for an attack). */
  status: 400 | 401 | 403;
}

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function claims(
  as: AuthorizationServer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: as.issuer,
    aud: as.audience,
    sub: 'attacker',
    scope: 'orders:read',
    iat: now(),
    exp: now() + 300,
    ...extra,
  };
}

const me = (
  token: string,
  extraSecrets: string[] = [],
  headers: Record<string, string> = {},
): AttackRequest => ({
  method: 'GET',
  path: '/me',
  headers: { authorization: `Bearer ${token}`, ...headers },
  secrets: [token, ...extraSecrets],
});

/** An RS256 public key of the server, in the encodings an attacker would try as an HMAC secret. */
function publicKeyEncodings(as: AuthorizationServer): Array<[string, string | Buffer]> {
  const jwk = as.jwks().keys.find((k) => k.kty === 'RSA');
  if (jwk === undefined) throw new Error('the authorization server publishes no RSA key');
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  return [
    ['SPKI PEM', key.export({ type: 'spki', format: 'pem' })],
    ['PKCS#1 PEM', key.export({ type: 'pkcs1', format: 'pem' })],
    ['DER', key.export({ type: 'spki', format: 'der' })],
    ['JWK JSON', JSON.stringify(jwk)],
    ['modulus bytes', Buffer.from(String(jwk.n), 'base64url')],
  ];
}

function hmacWithPublicKey(encoding: string): AttackCase {
  return {
    name: `HS256 signed with the server's RSA public key (${encoding})`,
    reference:
      'RFC 8725 §2.1, §3.1; CVE-2016-10555, CVE-2022-23541 (jsonwebtoken), CVE-2023-48223 (fast-jwt)',
    status: 401,
    async request({ as }) {
      const secret = publicKeyEncodings(as).find(([name]) => name === encoding)?.[1] as
        | string
        | Buffer;
      const rsaKid = as.jwks().keys.find((k) => k.kty === 'RSA')?.kid as string;
      const token = await signJwt({
        header: { alg: 'HS256', typ: 'at+jwt', kid: rsaKid },
        payload: claims(as),
        secret: typeof secret === 'string' ? secret : new Uint8Array(secret),
      });
      return me(token);
    },
  };
}

function unsigned(alg: string): AttackCase {
  return {
    name: `alg ${JSON.stringify(alg)} (unsigned token)`,
    reference: 'RFC 8725 §2.1, §3.1; CVE-2015-9235 (jsonwebtoken), CVE-2022-23540 (jsonwebtoken)',
    status: 401,
    async request({ as }) {
      const token = `${b64(JSON.stringify({ alg, typ: 'at+jwt' }))}.${b64(JSON.stringify(claims(as)))}.`;
      return me(token);
    },
  };
}

function attackerKeyHeader(
  name: string,
  header: (trapUrl: string) => Record<string, unknown>,
  reference: string,
): AttackCase {
  return {
    name,
    reference,
    status: 401,
    async request({ as, trapUrl }) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const extra = header(trapUrl);
      const token = await signJwt({
        header: {
          alg: 'ES256',
          typ: 'at+jwt',
          kid: 'attacker-key',
          ...(extra.jwk === true ? { jwk: publicKey.export({ format: 'jwk' }) } : {}),
          ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'jwk')),
        },
        payload: claims(as),
        key: privateKey,
      });
      return me(token, ['attacker-key', trapUrl]);
    },
  };
}

function kidInjection(label: string, kid: unknown): AttackCase {
  return {
    name: `kid injection: ${label}`,
    reference: 'RFC 8725 §3.10',
    status: 401,
    async request({ as }) {
      // Signed by the server's real ES256 key: only the kid is the attacker's.
      const token = await as.signJwt({
        header: { alg: 'ES256', typ: 'at+jwt', kid },
        payload: claims(as),
      });
      return me(token, typeof kid === 'string' ? [kid] : []);
    },
  };
}

/**
 * The attack table: requests built from RFC 8725 (JWT BCP), RFC 9449 §11, RFC 6750 §5, RFC 7662
 * §4 and the published JWT attack catalogues and CVEs, each naming its reference, with the status
 * the API must answer. Run every case with {@link runAttackCase} and assert the invariants it
 * returns: the expected status (never a 500), nothing the attacker sent echoed back, and no
 * request to a URL the token named.
 *
 * @example
 * ```ts
 * for (const attack of attackCases()) {
 *   it(`${attack.name} (${attack.reference})`, async () => {
 *     const result = await runAttackCase(attack, { as, baseUrl, trap });
 *     expect(result).toEqual({ status: attack.status, echoed: [], trapHits: 0 });
 *   });
 * }
 * ```
 */
export function attackCases(): AttackCase[] {
  return [
    ...['none', 'None', 'NONE', 'nOnE'].map(unsigned),
    ...['SPKI PEM', 'PKCS#1 PEM', 'DER', 'JWK JSON', 'modulus bytes'].map(hmacWithPublicKey),
    attackerKeyHeader(
      'embedded jwk names the key that signed it',
      () => ({ jwk: true }),
      'RFC 8725 §3.10; CVE-2018-0114 (node-jose)',
    ),
    attackerKeyHeader(
      "jku points at the attacker's JWKS",
      (trap) => ({ jku: `${trap}/jwks.json` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.2',
    ),
    attackerKeyHeader(
      "x5u points at the attacker's certificate",
      (trap) => ({ x5u: `${trap}/cert.pem` }),
      'RFC 8725 §3.10; RFC 7515 §4.1.5',
    ),
    attackerKeyHeader(
      "x5c carries the attacker's chain",
      () => ({ x5c: ['MIIBszCCAVmgAwIBAgIUattacker'] }),
      'RFC 7515 §4.1.6',
    ),
    kidInjection('path traversal', '../../../../../../dev/null'),
    kidInjection('SQL', "x' UNION SELECT 'secret' --"),
    kidInjection('a number', 1),
    kidInjection('an object', { $ne: null }),
    kidInjection('a NUL byte', 'k\u0000ey'),
    kidInjection('1,000 characters', 'k'.repeat(1000)),
    {
      name: 'crit names an extension nobody understands',
      reference: 'RFC 7515 §4.1.11',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.signJwt({
            header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256, crit: ['exp'], exp: 1 },
            payload: claims(as),
          }),
        ),
    },
    {
      name: 'crit b64:false (unencoded payload)',
      reference: 'RFC 7797 §6',
      status: 401,
      request: async ({ as }) =>
        me(
          await as.signJwt({
            header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256, b64: false, crit: ['b64'] },
            payload: claims(as),
          }),
        ),
    },
    {
      name: 'a JWE (five segments) instead of a JWS, with a PBES2 count of a billion',
      reference: 'RFC 8725 §3.4; CVE-2022-36083 (jose), CVE-2024-28176 (jose)',
      status: 401,
      request: async () =>
        me(
          `${b64(JSON.stringify({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 1e9, p2s: 'AAAA' }))}.${b64('key')}.${b64('iv')}.${b64('ciphertext')}.${b64('tag')}`,
        ),
    },
    {
      name: 'psychic ECDSA signature (r = s = 0) under a real kid',
      reference: 'CVE-2022-21449',
      status: 401,
      async request({ as }) {
        const header = b64(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 }));
        return me(`${header}.${b64(JSON.stringify(claims(as)))}.${b64(Buffer.alloc(64))}`);
      },
    },
    {
      name: 'a 1024-bit RSA key published in the JWKS',
      reference: 'RFC 8725 §3.5; RFC 7518 §3.3',
      status: 401,
      async request({ as }) {
        const { kid } = await as.addKey({ alg: 'RS256', modulusLength: 1024 });
        return me(await as.mintAccessToken({}, { kid }));
      },
    },
    {
      name: 'an RSA key with public exponent 3 published in the JWKS',
      reference: 'RFC 8725 §3.5',
      status: 401,
      async request({ as }) {
        const { kid } = await as.addKey({ alg: 'RS256', publicExponent: 3 });
        return me(await as.mintAccessToken({}, { kid }));
      },
    },
    {
      name: 'a non-canonical base64url signature (stray low bits)',
      reference: 'RFC 7515 §2, §C; RFC 4648 §3.5',
      status: 401,
      async request({ as }) {
        const [h, p, s] = (await as.mintAccessToken({}, { alg: 'ES256' })).split('.') as [
          string,
          string,
          string,
        ];
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const last = alphabet.indexOf(s[s.length - 1] as string);
        return me(`${h}.${p}.${s.slice(0, -1)}${alphabet[last | 1]}`);
      },
    },
    {
      name: 'a padded signature (base64 "=")',
      reference: 'RFC 7515 §2',
      status: 401,
      request: async ({ as }) => me(`${await as.mintAccessToken()}==`),
    },
    {
      name: 'repeated member names in the payload (the first says another issuer)',
      reference: 'RFC 7515 §5.2; RFC 8725 §2.8',
      status: 401,
      async request({ as }) {
        const body = JSON.stringify(claims(as));
        const payloadJson = `{"iss":"https://evil.example",${body.slice(1)}`;
        return me(
          await as.signJwt({
            header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 },
            payloadJson,
          }),
        );
      },
    },
    {
      name: 'exp of 1e400 (Infinity once parsed)',
      reference: 'RFC 7519 §4.1.4',
      status: 401,
      async request({ as }) {
        const payloadJson = JSON.stringify(claims(as, { exp: 0 })).replace(
          '"exp":0',
          '"exp":1e400',
        );
        return me(
          await as.signJwt({
            header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 },
            payloadJson,
          }),
        );
      },
    },
    {
      name: 'iss as an array containing the trusted issuer',
      reference: 'RFC 7519 §4.1.1; fast-jwt GHSA (iss array bypass)',
      status: 401,
      request: async ({ as }) =>
        me(await as.mintAccessToken({ iss: [as.issuer, 'https://evil.example'] })),
    },
    {
      name: 'a DPoP proof offered as the access token',
      reference: 'RFC 8725 §3.11 (explicit typing); RFC 9449 §4.2',
      status: 401,
      async request({ as, baseUrl }) {
        void as;
        return me(
          await createDpopProof({ key: createDpopKey(), htm: 'GET', htu: `${baseUrl}/me` }),
        );
      },
    },
    {
      name: 'an ID token offered as the access token',
      reference: 'RFC 8725 §2.8, §3.11; RFC 9068 §4',
      status: 401,
      request: async ({ as }) =>
        me(await as.mintAccessToken({ nonce: 'n-0S6_WzA2Mj', at_hash: 'x' }, { typ: 'JWT' })),
    },
    {
      name: '__proto__ claims trying to add a scope',
      reference: 'CWE-1321 (prototype pollution)',
      status: 403,
      async request({ as }) {
        const payloadJson = JSON.stringify(claims(as, { scope: 'profile' })).replace(
          '{',
          '{"__proto__":{"scope":"orders:write"},',
        );
        const token = await as.signJwt({
          header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 },
          payloadJson,
        });
        return {
          method: 'POST',
          path: '/orders',
          headers: { authorization: `Bearer ${token}` },
          secrets: [token],
        };
      },
    },
    {
      name: 'a token in the query string, which the API does not accept',
      reference: 'RFC 6750 §5.3',
      status: 401,
      async request({ as }) {
        const token = await as.mintAccessToken();
        return { method: 'GET', path: `/me?access_token=${token}`, headers: {}, secrets: [token] };
      },
    },
    {
      name: 'an 8 KiB + 1 token (header bloat)',
      reference: 'RFC 6750 §5.3; CWE-400',
      status: 401,
      request: async () => me('A'.repeat(8193)),
    },
    {
      name: 'an opaque token guessed at an API without introspection',
      reference: 'RFC 7662 §4 (token scanning)',
      status: 401,
      request: async () => me('guessed-opaque-token-0000000000000001'),
    },
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
        const first = await send(new URL('/me', baseUrl), { method: 'GET', path: '/me', headers });
        if (first.status !== 200)
          throw new Error(`the original DPoP request was not accepted: ${first.status}`);
        return { method: 'GET', path: '/me', headers, secrets: [token, proof] };
      },
    },
    {
      name: 'a DPoP proof for another access token (ath)',
      reference: 'RFC 9449 §11.6',
      status: 401,
      async request({ as, baseUrl }) {
        const key = createDpopKey();
        const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
        const proof = await createDpopProof({
          key,
          htm: 'GET',
          htu: `${baseUrl}/me`,
          accessToken: 'another-token',
        });
        return {
          method: 'GET',
          path: '/me',
          headers: { authorization: `DPoP ${token}`, dpop: proof },
          secrets: [token, proof],
        };
      },
    },
    {
      name: 'a DPoP-bound token stripped to a bearer token (downgrade)',
      reference: 'RFC 9449 §7.2',
      status: 401,
      async request({ as }) {
        return me(await as.mintAccessToken({ cnf: { jkt: createDpopKey().thumbprint } }));
      },
    },
    ...hostTricks(),
  ];
}

/** Host headers crafted so that the URL the API builds would match a proof made elsewhere. */
function hostTricks(): AttackCase[] {
  const tricks: Array<[string, string, 400 | 401]> = [
    ['a path in the Host', 'api.example.test/evil', 400],
    ['userinfo in the Host', 'user@api.example.test', 400],
    ['a space in the Host', 'api.example.test evil', 400],
    ['a Host other than the one the proof names', 'evil.example', 401],
  ];
  return tricks.map(([label, host, status]) => ({
    name: `DPoP htu vs Host header: ${label}`,
    reference: 'RFC 9449 §4.3, §11.2; RFC 9110 §7.2',
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
        headers: { host, authorization: `DPoP ${token}`, dpop: proof },
        secrets: [token, proof, host],
      };
    },
  }));
}

/** A loopback server that counts requests: URLs in tokens point at it. */
export interface Trap {
  url: string;
  readonly hits: number;
  close(): Promise<void>;
}

/**
 * Starts a trap server for {@link runAttackCase}.
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

/** What an attack run observed. */
export interface AttackResult {
  status: number;
  /** Attacker-controlled strings found in the response headers or body (must be empty). */
  echoed: string[];
  /** Requests the trap server received during the case (must be 0). */
  trapHits: number;
}

/**
 * Runs one attack against a running API and reports the invariants: the status, anything the
 * attacker sent that came back, and requests to the trap.
 */
export async function runAttackCase(
  attack: AttackCase,
  context: { as: AuthorizationServer; baseUrl: string; trap: Trap },
): Promise<AttackResult> {
  const { as, baseUrl, trap } = context;
  const req = await attack.request({ as, baseUrl, trapUrl: trap.url });
  const before = trap.hits;
  const res = await send(new URL(req.path, baseUrl), req);
  const visible = `${JSON.stringify(res.headers)}\n${res.text}`;
  const echoed = req.secrets.filter((secret) => secret.length >= 6 && visible.includes(secret));
  return { status: res.status, echoed, trapHits: trap.hits - before };
}

function send(
  url: URL,
  req: ConformanceRequest,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: req.method, headers: { connection: 'close', ...req.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
