import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DoctorReport, runDoctor } from '../src/index.js';

// The token doctor against the local authorization server: each misconfiguration a user meets,
// diagnosed with its fix line; --json for scripts; the token read from stdin or a file, never
// from argv, and never printed.

/** The test's environment without its TOKENGUARD_* variables: the doctor gets only the test's. */
const inherited = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TOKENGUARD_')),
  );

let as: AuthorizationServer;
let dir: string;
beforeAll(async () => {
  as = await createAuthorizationServer();
  dir = mkdtempSync(join(tmpdir(), 'tokenguard-doctor-'));
});
afterAll(() => as?.close());

const env = (extra: Record<string, string> = {}) => ({
  TOKENGUARD_ISSUER: as.issuer,
  TOKENGUARD_AUDIENCE: as.audience,
  ...extra,
});

/** Runs the doctor in-process with the token on stdin; what it printed and its exit status. */
async function doctor(
  token: string,
  args: string[] = [],
  variables: Record<string, string> = env(),
): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runDoctor(args, {
    env: variables,
    stdin: Readable.from([`${token}\n`]),
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd: dir,
  });
  // Whatever happened, the token is not in the output.
  if (token !== '') expect(out + err).not.toContain(token);
  if (token.includes('.')) expect(out + err).not.toContain(token.split('.')[2]);
  return { status, out, err };
}

/** The ✘ line and the fix line after it. */
function failure(out: string): string[] {
  const lines = out.split('\n');
  const at = lines.findIndex((line) => line.trimStart().startsWith('✘') && line.includes('('));
  return [lines[at]?.trim() ?? '', lines[at + 1]?.trim() ?? ''];
}

describe('tokenguard doctor diagnoses, with the fix', () => {
  it('an accepted token: every check passes, exit 0', async () => {
    const { status, out } = await doctor(await as.mintAccessToken(), ['--scope', 'orders:read']);
    expect(status).toBe(0);
    expect(out).toContain('✔ signature');
    expect(out).toContain(`✔ The token is accepted: ${as.issuer}|user-123, scopes ["orders:read"]`);
    expect(out).not.toContain('✘');
  });

  it('a wrong aud', async () => {
    const { status, out } = await doctor(
      await as.mintAccessToken({ aud: 'https://other.example' }),
    );
    expect(status).toBe(1);
    expect(failure(out)).toEqual([
      '✘ audience (aud)                  aud is "https://other.example", expected "https://api.example.com" (jwt.aud)',
      'fix: aud is "https://other.example" but TOKENGUARD_AUDIENCE is "https://api.example.com" — ask the authorization server for a token for this API (its audience or resource parameter); if this API is "https://other.example", set TOKENGUARD_AUDIENCE',
    ]);
  });

  it('an iss with a trailing slash the options lack', async () => {
    const token = await as.mintAccessToken({ iss: `${as.issuer}/` });
    const { out } = await doctor(token, [], env({ TOKENGUARD_JWKS_URI: as.jwksUri }));
    expect(failure(out)[1]).toBe(
      `fix: iss is "${as.issuer}/" but TOKENGUARD_ISSUER is "${as.issuer}" — add the trailing slash`,
    );
  });

  it('options with a trailing slash the issuer lacks: discovery says so first', async () => {
    const { status, out } = await doctor(
      await as.mintAccessToken(),
      [],
      env({ TOKENGUARD_ISSUER: `${as.issuer}/` }),
    );
    expect(status).toBe(1);
    expect(out).toContain(
      `fix: the metadata names issuer "${as.issuer}" but TOKENGUARD_ISSUER is "${as.issuer}/" — remove the trailing slash (the issuer must match exactly, RFC 8414 §3.3)`,
    );
  });

  it('an expired token, with the clock tolerance', async () => {
    const { out } = await doctor(await as.mintAccessToken({}, { expiresIn: -100 }));
    const [line, fix] = failure(out);
    expect(line).toMatch(
      /^✘ expiry \(exp\) +exp is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, 10\d s before now \(clock tolerance 30 s\) \(jwt\.expired\)$/,
    );
    expect(fix).toMatch(
      /^fix: exp was 10\d s ago, beyond the clock tolerance of 30 s — get a new token; if the clocks of the two servers disagree, sync them \(NTP\) or raise TOKENGUARD_CLOCK_TOLERANCE \(at most 300\)$/,
    );
  });

  it('a typ the options do not accept', async () => {
    const { out } = await doctor(await as.mintAccessToken({}, { typ: 'JWT' }));
    expect(failure(out)[1]).toBe(
      'fix: typ is "JWT" but only "at+jwt" is accepted — if your authorization server issues such access tokens (Entra ID and Keycloak issue typ JWT), set TOKENGUARD_TOKEN_TYPES=JWT',
    );
  });

  it('an unknown kid', async () => {
    const { out } = await doctor(await as.mintAccessToken({}, { key: 'unpublished' }));
    const [line, fix] = failure(out);
    expect(line).toMatch(
      /^✘ signing key \(kid\) +kid is "[\w-]+", expected one of \[.+\] \(jwks\.kid_unknown\)$/,
    );
    expect(fix).toContain('is not in the JWKS (its kids: ');
    expect(fix).toContain(`"${as.kids.ES256}"`);
    expect(fix).toContain('check that TOKENGUARD_JWKS_URI');
  });

  it('an algorithm not allowed', async () => {
    const { out } = await doctor(
      await as.mintAccessToken({}, { alg: 'ES256' }),
      [],
      env({ TOKENGUARD_ALGORITHMS: 'RS256' }),
    );
    expect(failure(out)[1]).toBe(
      'fix: alg is "ES256" but TOKENGUARD_ALGORITHMS is "RS256" — add ES256 to TOKENGUARD_ALGORITHMS',
    );
  });

  it('a missing scope', async () => {
    const { out } = await doctor(await as.mintAccessToken({ scope: 'orders:read' }), [
      '--scope',
      'orders:write',
    ]);
    expect(failure(out)).toEqual([
      '✘ scopes                          scope: required ["orders:write"], granted ["orders:read"] (authz.scope_missing)',
      'fix: the token has the scopes "orders:read"; required: "orders:write" — ask the authorization server for "orders:write" (the scope parameter)',
    ]);
  });

  it('an opaque token the authorization server says is not active', async () => {
    const token = await as.mintOpaqueToken();
    as.revoke(token);
    const { out } = await doctor(
      token,
      [],
      env({
        TOKENGUARD_INTROSPECTION_CLIENT_ID: as.defaultClient.clientId,
        TOKENGUARD_INTROSPECTION_CLIENT_SECRET: as.defaultClient.clientSecret,
      }),
    );
    expect(out).toContain('Token (opaque)');
    expect(out).toContain(`✔ introspection ${as.issuer}/introspect`);
    expect(failure(out)).toEqual([
      '✘ active at the authorization server (introspection)  active is false (introspection.inactive)',
      'fix: the authorization server says the token is not active: expired, revoked, or not one it issued — get a new token',
    ]);
  });

  it('a DPoP proof for another URL', async () => {
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({
      key,
      htm: 'GET',
      htu: 'http://localhost:3000/orders',
      accessToken: token,
    });
    writeFileSync(join(dir, 'proof.txt'), proof);
    const { out } = await doctor(
      token,
      ['--dpop', 'proof.txt', '--method', 'GET', '--url', 'https://api.example.com/orders'],
      env({ TOKENGUARD_DPOP: 'allowed' }),
    );
    expect(out).not.toContain(proof);
    expect(failure(out)).toEqual([
      '✘ DPoP proof                      htu is "http://localhost:3000/orders", expected "https://api.example.com/orders" (dpop.htu)',
      'fix: htu is "http://localhost:3000/orders" but the request URL is "https://api.example.com/orders" — the client must sign the URL it calls (without query and fragment); behind a proxy, set TOKENGUARD_PUBLIC_URL to this API\'s public URL',
    ]);
    // Without the proof, the bound token is refused, and the fix says how to give it.
    const bare = await doctor(token, [], env({ TOKENGUARD_DPOP: 'allowed' }));
    expect(failure(bare.out)[1]).toBe(
      'fix: the token is DPoP-bound (cnf.jkt) — check it with its proof: --dpop <proof-file> --method <METHOD> --url <URL>',
    );
  });

  it('a JWKS nobody serves: the URL and ECONNREFUSED', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const jwks = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    await new Promise((resolve) => server.close(resolve));
    const { status, out } = await doctor(
      await as.mintAccessToken(),
      [],
      env({ TOKENGUARD_JWKS_URI: jwks }),
    );
    expect(status).toBe(1);
    expect(out).toContain(
      `✘ jwks: the JWKS of issuer ${as.issuer} failed (${jwks}): ECONNREFUSED\n    fix: nothing listens at ${jwks} — is the authorization server running, and is the URL right?`,
    );
  });

  it('a misspelled variable: the closest valid one, and nothing else checked', async () => {
    const { status, out } = await doctor(await as.mintAccessToken(), [], {
      TOKENGUARD_ISSUER: as.issuer,
      TOKENGUARD_AUDIANCE: as.audience,
    });
    expect(status).toBe(1);
    expect(out).toContain(
      '✘ options: tokenguard: unknown environment variable "TOKENGUARD_AUDIANCE"; did you mean "TOKENGUARD_AUDIENCE"?',
    );
  });
});

describe('for scripts and shells', () => {
  it('--json: the same checks as data, with the fix, and no token', async () => {
    const { status, out } = await doctor(
      await as.mintAccessToken({ aud: 'https://other.example' }),
      ['--json'],
    );
    expect(status).toBe(1);
    const report = JSON.parse(out) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.options).toEqual({
      source: 'the environment',
      shown: { issuer: as.issuer, audience: as.audience },
    });
    expect(report.upstream).toEqual([
      { endpoint: 'discovery', issuer: as.issuer, outcome: 'pass' },
      { endpoint: 'jwks', issuer: as.issuer, outcome: 'pass', url: as.jwksUri, keys: 4 },
    ]);
    const failed = report.token?.checks.find((check) => check.outcome === 'fail');
    expect(failed).toEqual({
      check: 'aud',
      title: 'audience (aud)',
      outcome: 'fail',
      reason: 'jwt.aud',
      details: { field: 'aud', expected: [as.audience], actual: 'https://other.example' },
      fix: expect.stringContaining('TOKENGUARD_AUDIENCE'),
    });
    expect(report.token?.checks.map((check) => check.outcome)).toEqual([
      ...Array(6).fill('pass'),
      'fail',
      ...Array(7).fill('skipped'),
    ]);
    expect(report.token?.rejection).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('--config: options from a JSON file, named in the fix; secrets never shown', async () => {
    writeFileSync(
      join(dir, 'tokenguard.json'),
      JSON.stringify({
        issuer: as.issuer,
        audience: 'https://orders.example.com',
        introspection: { clientId: 'api', clientSecret: 'do-not-print-me' },
      }),
    );
    const { out } = await doctor(await as.mintAccessToken(), ['--config', 'tokenguard.json']);
    expect(out).toContain('Options (from tokenguard.json)');
    expect(out).toContain('"audience" in tokenguard.json is "https://orders.example.com"');
    expect(out).not.toContain('do-not-print-me');
  });

  it('a token without aud: the client binding that was checked, expected and actual', async () => {
    writeFileSync(
      join(dir, 'binding.json'),
      JSON.stringify({
        issuer: as.issuer,
        clientBinding: { clientIds: ['app-1'], claims: { token_use: 'access' } },
      }),
    );
    const noAud = { aud: undefined, client_id: 'app-2', token_use: 'access' };
    const wrongClient = await doctor(await as.mintAccessToken(noAud), ['--config', 'binding.json']);
    expect(failure(wrongClient.out)[1]).toBe(
      'fix: the token has no aud, and its client id "app-2" is not one the client binding accepts ("app-1") — if it is your client, add it to "clientBinding" in binding.json (TOKENGUARD_COGNITO_CLIENT_IDS for Cognito)',
    );
    const idToken = { ...noAud, client_id: 'app-1', token_use: 'id' };
    const wrongUse = await doctor(await as.mintAccessToken(idToken), ['--config', 'binding.json']);
    expect(failure(wrongUse.out)[1]).toBe(
      'fix: the token has no aud, and the client binding ("clientBinding" in binding.json) requires token_use "access"; the token has "id" — send an access token (Cognito: token_use access, not an ID token)',
    );
  });

  it('refuses a token given as an argument, without repeating it', async () => {
    const token = await as.mintAccessToken();
    const { status, err } = await doctor('', [token]);
    expect(status).toBe(2);
    expect(err).toContain('never as an argument');
    expect(err).not.toContain(token.slice(0, 20));
  });

  it('npx tokenguard doctor: the package bin, the token from --token-file', async () => {
    const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
    const bin = JSON.parse(readFileSync(manifest, 'utf8')).bin.tokenguard as string;
    const cli = fileURLToPath(new URL(`../${bin}`, import.meta.url));
    if (!existsSync(cli)) throw new Error(`${bin} is missing: build first`);
    const token = await as.mintAccessToken();
    writeFileSync(join(dir, 'token.txt'), token);
    const child = spawn(process.execPath, [cli, 'doctor', '--token-file', 'token.txt'], {
      cwd: dir,
      env: { ...inherited(), ...env() },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    const [status] = (await once(child, 'close')) as [number];
    expect(status).toBe(0);
    expect(out).toContain('✔ The token is accepted');
    expect(out).not.toContain(token);
  });
});
