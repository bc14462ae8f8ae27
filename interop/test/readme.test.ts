import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendRequest } from '@tokenguard/suites';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The root README's first snippet works as written, with nothing but Express and
// @tokenguard/express installed (this package has both), and its "When a request is rejected"
// section shows what the server logs and what the doctor prints.

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const block = (marker: string) => {
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`no ${marker} in the README`);
  const start = readme.indexOf('\n', readme.indexOf('```', at)) + 1;
  return readme.slice(start, readme.indexOf('```', start));
};
// Inside node_modules, so that the snippet's imports resolve as in a project of its own.
const here = fileURLToPath(new URL('../node_modules/.cache/tokenguard-readme/', import.meta.url));
const require = createRequire(import.meta.url);
const doctorBin = join(
  dirname(require.resolve('@tokenguard/cli/package.json')),
  JSON.parse(readFileSync(require.resolve('@tokenguard/cli/package.json'), 'utf8')).bin.tokenguard,
);

/** `A=1 B=2 node server.mjs` → `{ A: '1', B: '2' }`. */
function variables(line: string): Record<string, string> {
  const words = line.replace(/^\$ /, '').split(' ');
  expect(words.slice(-2)).toEqual(['node', 'server.mjs']);
  return Object.fromEntries(words.slice(0, -2).map((word) => word.split('=') as [string, string]));
}

/** The test's environment without its TOKENGUARD_* variables. */
const inherited = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TOKENGUARD_')),
  );

let as: AuthorizationServer;
let server: ChildProcess | undefined;
let logged = '';
let baseUrl: string;

beforeAll(async () => {
  as = await createAuthorizationServer();
  mkdirSync(here, { recursive: true });
  writeFileSync(join(here, 'server.mjs'), block('<!-- protect-an-api -->'));
  const free = createServer().listen(0, '127.0.0.1');
  await once(free, 'listening');
  const port = (free.address() as AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  // The README's command, its issuer replaced by the local authorization server's (the audience
  // is the same), with the variable the "When a request is rejected" section adds.
  const env = {
    ...variables(block('<!-- protect-an-api-run -->').trim()),
    ...variables(block('<!-- rejected-log -->').split('\n')[0] as string),
  };
  expect(env.TOKENGUARD_AUDIENCE).toBe(as.audience);
  server = spawn(process.execPath, ['server.mjs'], {
    cwd: here,
    env: { ...inherited(), ...env, TOKENGUARD_ISSUER: as.issuer, PORT: String(port) },
  });
  server.stdout?.on('data', (chunk: Buffer) => (logged += chunk));
  server.stderr?.on('data', (chunk: Buffer) => (logged += chunk));
  baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await sendRequest(`${baseUrl}/me`);
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});
afterAll(async () => {
  server?.kill();
  await as?.close();
});

describe('the root README', () => {
  it('protects an API as written: 401 with a challenge, JSON errors, 200 with a token', async () => {
    const anonymous = await sendRequest(`${baseUrl}/me`);
    expect({ status: anonymous.status, text: anonymous.text }).toEqual({ status: 401, text: '' });
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    const ok = await sendRequest(`${baseUrl}/me`, {
      headers: { authorization: `Bearer ${await as.mintAccessToken()}` },
    });
    expect(ok.json).toEqual({ user: `${as.issuer}|user-123`, scopes: ['orders:read'] });
    const token = await as.mintAccessToken({ aud: 'https://other.example' });
    const wrong = await sendRequest(`${baseUrl}/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['content-type']).toBe('application/json');
    expect(wrong.json).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    });
    // What the README says the server logs, and not the token.
    const shown = block('<!-- rejected-log -->').trim().split('\n')[1] as string;
    const mask = (line: string) => line.replace(/sha256:[0-9a-f]{12}/, 'sha256:<hash>');
    // The server's output arrives over a pipe, possibly after its answer: wait for the line.
    const lines = () => logged.split('\n').map(mask);
    for (let i = 0; i < 100 && !lines().includes(mask(shown)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lines()).toContain(mask(shown));
    expect(logged).not.toContain(token);
  });

  it('shows what the token doctor prints', async () => {
    const token = await as.mintAccessToken({ aud: 'https://other.example' });
    const doctor = spawn(process.execPath, [doctorBin, 'doctor'], {
      env: { ...inherited(), TOKENGUARD_ISSUER: as.issuer, TOKENGUARD_AUDIENCE: as.audience },
    });
    let out = '';
    doctor.stdout.on('data', (chunk: Buffer) => (out += chunk));
    doctor.stdin.end(token);
    const [status] = (await once(doctor, 'close')) as [number];
    expect(status).toBe(1);
    const [command, ...lines] = block('<!-- rejected-doctor -->').trimEnd().split('\n');
    expect(command).toBe('$ echo "$TOKEN" | npx tokenguard doctor');
    const printed = out.split('\n').map((line) => line.trimEnd());
    for (const line of lines.filter((l) => l !== '…')) expect(printed).toContain(line);
    expect(out).not.toContain(token);
  });
});
