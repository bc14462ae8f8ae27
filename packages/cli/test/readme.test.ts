import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's commands, run as they are written (npx tokenguard = this package's bin), and its
// sample output, which must be what the doctor prints.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const block = (marker: string) => {
  const start = readme.indexOf('\n', readme.indexOf('```', readme.indexOf(marker))) + 1;
  return readme.slice(start, readme.indexOf('```', start));
};
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bin = fileURLToPath(new URL(`../${manifest.bin.tokenguard}`, import.meta.url));

/** The test's environment without its TOKENGUARD_* variables: the doctor gets only the test's. */
const inherited = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TOKENGUARD_')),
  );

let as: AuthorizationServer;
let dir: string;
beforeAll(async () => {
  as = await createAuthorizationServer();
  dir = mkdtempSync(join(tmpdir(), 'tokenguard-readme-'));
});
afterAll(() => as?.close());

/** Runs a README line: `npx tokenguard` is the package's bin, `< file` and `echo "$TOKEN" |` stdin. */
async function run(
  line: string,
  token: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; out: string }> {
  let stdin: string | undefined;
  let command = line;
  if (command.startsWith('echo "$TOKEN" | ')) {
    stdin = token;
    command = command.slice('echo "$TOKEN" | '.length);
  }
  const redirect = / < (\S+)$/.exec(command);
  if (redirect) {
    stdin = readFileSync(join(dir, redirect[1] as string), 'utf8');
    command = command.slice(0, redirect.index);
  }
  const [npx, name, ...args] = command.split(' ');
  expect([npx, name]).toEqual(['npx', 'tokenguard']);
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    env: {
      ...inherited(),
      TOKENGUARD_ISSUER: as.issuer,
      TOKENGUARD_AUDIENCE: as.audience,
      ...extra,
    },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk));
  child.stdin.end(stdin ?? '');
  const [status] = (await once(child, 'close')) as [number];
  return { status, out };
}

describe('the README', () => {
  it('runs every command it shows', async () => {
    const token = await as.mintAccessToken({ scope: 'orders:read orders:write' });
    const key = createDpopKey();
    const bound = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    writeFileSync(join(dir, 'token.txt'), token);
    writeFileSync(
      join(dir, 'tokenguard.json'),
      JSON.stringify({ issuer: as.issuer, audience: as.audience }),
    );
    const lines = block('<!-- doctor-commands -->').trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      if (line.includes('--dpop')) {
        writeFileSync(join(dir, 'token.txt'), bound);
        writeFileSync(
          join(dir, 'proof.txt'),
          await createDpopProof({
            key,
            htm: 'POST',
            htu: 'https://api.example.com/orders',
            accessToken: bound,
          }),
        );
      }
      const dpop = line.includes('--dpop') ? { TOKENGUARD_DPOP: 'allowed' } : undefined;
      const { status, out } = await run(line, token, dpop);
      expect({ line, status, out }).toEqual({ line, status: 0, out: expect.any(String) });
      if (line.includes('--json')) expect(JSON.parse(out).ok).toBe(true);
      expect(out).not.toContain(token);
    }
  });

  it('shows what the doctor prints', async () => {
    const token = await as.mintAccessToken({ scope: 'orders:read' });
    const { status, out } = await run(
      'echo "$TOKEN" | npx tokenguard doctor --scope orders:write',
      token,
    );
    expect(status).toBe(1);
    const normalise = (text: string) =>
      text
        .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:4000')
        .replace(/"[\w-]{43}"/g, '"<kid>"')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>')
        .trimEnd();
    expect(normalise(out)).toBe(normalise(block('<!-- doctor-output -->')));
  });
});
