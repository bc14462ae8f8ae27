// The operability table: what an operator sees through every adapter when something is wrong —
// why a token was rejected (one debug line with expected and actual values, never the token or
// the proof), an issuer that is down and comes back (one warn line each), and a start-up that
// refuses to go on without the issuer's keys.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthorizationServer, createDpopKey, createDpopProof } from '@tokenguard/testing';
import { conformanceGuardOptions } from './conformance/routes.js';
import { sendRequest } from './send.js';

/** A logger in the shape of `console` that keeps what it is told, by level. */
export interface CapturedLog {
  readonly debug: string[];
  readonly warn: string[];
  readonly logger: { debug(message: string): void; warn(message: string): void };
}

/** Makes a {@link CapturedLog}. */
export function captureLog(): CapturedLog {
  const debug: string[] = [];
  const warn: string[] = [];
  return {
    debug,
    warn,
    logger: {
      debug: (message) => debug.push(message),
      warn: (message) => warn.push(message),
    },
  };
}

/** Guard options, as an adapter's conformance app takes them (tokenguard's `TokenGuardOptions`). */
export type OperabilityOptions = Record<string, unknown>;

/** Starts the conformance API on one adapter with these guard options (with `warmUp` honoured). */
export type OperabilityStart = (
  options: OperabilityOptions,
) => Promise<{ baseUrl: string; close(): Promise<void> }>;

/** One row of the operability table: a scenario and what it must show, on every adapter. */
export interface OperabilityCase {
  name: string;
  run(context: {
    as: AuthorizationServer;
    start: OperabilityStart;
  }): Promise<{ actual: unknown; expected: unknown }>;
}

/** A URL on a loopback port nothing listens on: connections to it are refused. */
async function refusedUrl(path: string): Promise<{ port: number; url: string }> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return { port, url: `http://127.0.0.1:${port}${path}` };
}

/** Serves the authorization server's JWKS on `port`: the JWKS comes back. */
async function serveJwks(as: AuthorizationServer, port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(as.jwks()));
  }).listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * The operability table, for `it.each`: each case starts the adapter's conformance app itself
 * (with a capturing logger, or options that must fail start-up) and returns what was observed
 * next to what is expected.
 *
 * @example
 * ```ts
 * it.each(operabilityCases().map((c) => [c.name, c] as const))('%s', async (_name, c) => {
 *   const { actual, expected } = await c.run({ as, start });
 *   expect(actual).toEqual(expected);
 * });
 * ```
 */
export function operabilityCases(): OperabilityCase[] {
  return [
    {
      name: 'a wrong-audience token: one debug line per request with expected and actual aud, never the token or the proof',
      async run({ as, start }) {
        const log = captureLog();
        const api = await start({ ...conformanceGuardOptions(as), logger: log.logger });
        const token = await as.mintAccessToken({ aud: 'https://other.example' });
        const key = createDpopKey();
        const bound = await as.mintAccessToken({
          aud: 'https://other.example',
          cnf: { jkt: key.thumbprint },
        });
        const proof = await createDpopProof({
          key,
          htm: 'GET',
          htu: `${api.baseUrl}/me`,
          accessToken: bound,
        });
        let statuses: number[];
        try {
          statuses = [
            (await sendRequest(`${api.baseUrl}/me`, { headers: bearer(token) })).status,
            (
              await sendRequest(`${api.baseUrl}/me`, {
                headers: { authorization: `DPoP ${bound}`, dpop: proof },
              })
            ).status,
          ];
        } finally {
          await api.close();
        }
        const everything = [...log.debug, ...log.warn].join('\n');
        const line =
          'tokenguard: rejected 401 invalid_token (jwt.aud): aud is "https://other.example", expected "https://api.example.com" [token sha256:';
        return {
          actual: {
            statuses,
            debug: log.debug.map((entry) => entry.slice(0, line.length)),
            warn: log.warn,
            // Not the token, not its signature, not the proof, not the proof's signature.
            leaked: [token, token.split('.')[2], bound, proof, proof.split('.')[2]].filter(
              (secret) => everything.includes(secret as string),
            ),
          },
          expected: { statuses: [401, 401], debug: [line, line], warn: [], leaked: [] },
        };
      },
    },
    {
      name: 'an unreachable JWKS: one warn line naming the URL and ECONNREFUSED, a debug line per 503, then one line on recovery',
      async run({ as, start }) {
        const jwks = await refusedUrl('/jwks');
        const log = captureLog();
        const api = await start({
          issuer: as.issuer,
          audience: as.audience,
          jwksUri: jwks.url,
          jwks: { failureBackoff: 0, cooldown: 0 },
          logger: log.logger,
        });
        const statuses: number[] = [];
        let back: Server | undefined;
        try {
          for (let i = 0; i < 3; i++) {
            const headers = bearer(await as.mintAccessToken());
            statuses.push((await sendRequest(`${api.baseUrl}/me`, { headers })).status);
          }
          back = await serveJwks(as, jwks.port);
          for (let i = 0; i < 2; i++) {
            const headers = bearer(await as.mintAccessToken());
            statuses.push((await sendRequest(`${api.baseUrl}/me`, { headers })).status);
          }
        } finally {
          await api.close();
          back?.close();
        }
        const cause = `the JWKS of issuer ${as.issuer} failed (${jwks.url}): ECONNREFUSED`;
        return {
          actual: {
            statuses,
            warn: log.warn,
            debug: log.debug.map((line) => line.replace(/ \[token sha256:\w+\]$/, '')),
          },
          expected: {
            statuses: [503, 503, 503, 200, 200],
            warn: [
              `tokenguard: the JWKS of issuer ${as.issuer} is down at ${jwks.url}: ECONNREFUSED; requests that need its keys are answered 503 until it recovers`,
              `tokenguard: the JWKS of issuer ${as.issuer} recovered at ${jwks.url}`,
            ],
            debug: Array(3).fill(
              `tokenguard: rejected 503 temporarily_unavailable (jwks.unavailable): ${cause}`,
            ),
          },
        };
      },
    },
    {
      name: "warmUp: 'fail': start-up rejects, naming the JWKS URL and ECONNREFUSED",
      async run({ as, start }) {
        const jwks = await refusedUrl('/jwks');
        let outcome: string;
        try {
          const api = await start({
            issuer: as.issuer,
            audience: as.audience,
            jwksUri: jwks.url,
            warmUp: 'fail',
            logger: false,
          });
          await api.close();
          outcome = 'started';
        } catch (error) {
          outcome = error instanceof Error ? error.message : String(error);
        }
        return {
          actual: outcome,
          expected: `tokenguard: the JWKS of issuer ${as.issuer} failed (${jwks.url}): ECONNREFUSED`,
        };
      },
    },
  ];
}
