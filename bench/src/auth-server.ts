// The authorization server from @tokenguard/testing, in a process of its own so that it does not
// share an event loop with the load generator or the API under test. The parent asks it over IPC
// for token pools and for how many upstream calls (JWKS, introspection) a run caused.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthorizationServer } from '@tokenguard/testing';
import type { Alg } from './frameworks/types.js';
import { serveParent } from './lib/ipc.js';

export type { Alg };

/** What the parent learns once the server listens. */
export interface AuthServerInfo {
  issuer: string;
  audience: string;
  jwksUri: string;
  introspectionEndpoint: string;
  introspectionClient: { clientId: string; clientSecret: string };
  /**
   * An Auth0-style "domain" that serves the same key set at `/.well-known/jwks.json`, the one
   * place `fastify-auth0-verify` looks for keys (it derives the URL from `domain`).
   */
  auth0Domain: string;
}

export interface Counts {
  jwks: number;
  introspection: number;
  metadata: number;
}

const as = await createAuthorizationServer({ algorithm: 'RS256' });
const api = as.registerClient({ clientId: 'bench-api' });
let aliasJwksCalls = 0;
const alias = createServer((req, res) => {
  if (req.url !== '/.well-known/jwks.json') return res.writeHead(404).end();
  aliasJwksCalls++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(as.jwks()));
});
await new Promise<void>((resolve) => alias.listen(0, '127.0.0.1', resolve));

const now = () => Math.floor(Date.now() / 1000);
let serial = 0;

/** Signs `count` distinct RS256/ES256/EdDSA access tokens with node:crypto (not WebCrypto). */
async function mint(
  alg: Alg,
  count: number,
  jkt?: string,
  typ = 'at+jwt',
  sub?: string,
): Promise<string[]> {
  const tokens: string[] = [];
  const header = { alg, typ, kid: as.kids[alg] };
  for (let i = 0; i < count; i++) {
    serial++;
    tokens.push(
      await as.signJwt({
        header,
        payload: {
          iss: as.issuer,
          sub: sub ?? `user-${serial}`,
          aud: as.audience,
          exp: now() + 3600,
          iat: now(),
          jti: `bench-${process.pid}-${serial}`,
          client_id: 'bench-client',
          scope: 'orders:read',
          ...(jkt === undefined ? {} : { cnf: { jkt } }),
        },
      }),
    );
  }
  return tokens;
}

const deliver = (tokens: string[], file: unknown) => {
  if (typeof file !== 'string') return tokens;
  writeFileSync(file, JSON.stringify(tokens));
  return tokens.length;
};

serveParent(
  {
    issuer: as.issuer,
    audience: as.audience,
    jwksUri: as.jwksUri,
    introspectionEndpoint: as.introspectionEndpoint,
    introspectionClient: { clientId: api.clientId, clientSecret: api.clientSecret },
    auth0Domain: `http://127.0.0.1:${(alias.address() as AddressInfo).port}/`,
  } satisfies AuthServerInfo,
  {
    mint: async (m) =>
      deliver(
        await mint(
          m.alg as Alg,
          m.count as number,
          m.jkt as string | undefined,
          m.typ as string | undefined,
          m.sub as string | undefined,
        ),
        m.file,
      ),
    opaque: async (m) => {
      const tokens: string[] = [];
      for (let i = 0; i < (m.count as number); i++) {
        tokens.push(
          await as.mintOpaqueToken(
            { sub: (m.sub as string | undefined) ?? `user-${i}`, scope: 'orders:read' },
            { expiresIn: 3600 },
          ),
        );
      }
      return deliver(tokens, m.file);
    },
    counts: (): Counts => ({
      jwks: as.counts.jwks + aliasJwksCalls,
      introspection: as.counts.introspection,
      metadata: as.counts.metadata,
    }),
    reset: () => {
      as.resetCounts();
      aliasJwksCalls = 0;
      return true;
    },
    exit: async () => {
      alias.close();
      await as.close();
    },
  },
);
