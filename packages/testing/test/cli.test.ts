import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, postForm } from './helpers.js';

// The command as package.json's `bin` names it: a committed file that runs the built CLI, so
// that pnpm can link it at install time, before anything is built.
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bin: string = packageJson.bin['tokenguard-dev-server'];
const cli = fileURLToPath(new URL(`../${bin}`, import.meta.url));

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL('../dist/cli.mjs', import.meta.url)))) {
    throw new Error(
      'dist/cli.mjs is missing: build first (npx -y pnpm@10 --filter @tokenguard/testing build)',
    );
  }
});

it('names a committed file as the command, which exists before a build and is published', () => {
  expect(bin).toBe('./bin/tokenguard-dev-server.mjs');
  expect(existsSync(cli)).toBe(true);
  expect(packageJson.files).toContain('bin');
});

it('says how to build when the command runs before the package is built', async () => {
  // The command file alone, without a dist/ beside it: a fresh clone of the repository.
  const dir = mkdtempSync(join(tmpdir(), 'tokenguard-bin-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(cli, join(dir, 'bin', 'tokenguard-dev-server.mjs'));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(dir, 'bin', 'tokenguard-dev-server.mjs')]);
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result).toEqual({
      code: 1,
      stderr:
        'tokenguard-dev-server: @tokenguard/testing is not built (dist/cli.mjs is missing).\n' +
        'In the tokenguard repository, run: npx -y pnpm@10 dev-server\n',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function field(output: string, name: string): string {
  const match = new RegExp(`^ {2}${name} +(\\S+)$`, 'm').exec(output);
  if (match?.[1] === undefined) throw new Error(`no ${name} in the output:\n${output}`);
  return match[1];
}

function sampleToken(output: string): string {
  const match = /^(eyJ[\w-]*\.[\w-]+\.[\w-]+)$/m.exec(output);
  if (match?.[1] === undefined) throw new Error(`no token in the output:\n${output}`);
  return match[1];
}

describe('tokenguard-dev-server', () => {
  it('prints the issuer, endpoints, a client, a sample token and a curl line with --once', async () => {
    const { code, stdout, stderr } = await run(['--once']);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    const issuer = field(stdout, 'issuer');
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(field(stdout, 'jwks_uri')).toBe(`${issuer}/jwks`);
    expect(field(stdout, 'token_endpoint')).toBe(`${issuer}/token`);
    expect(field(stdout, 'client_id')).toBe('test-client');
    const secret = field(stdout, 'client_secret');
    const token = sampleToken(stdout);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(decodeJwt(token)).toMatchObject({ iss: issuer, sub: 'user-123', scope: 'orders:read' });
    expect(stdout).toContain(
      `curl -s -u 'test-client:${secret}' -d grant_type=client_credentials ${issuer}/token`,
    );
    expect(stdout).toContain(
      `TOKENGUARD_ISSUER=${issuer} TOKENGUARD_AUDIENCE=https://api.example.com`,
    );
  });

  it('takes --issuer with a path', async () => {
    const { code, stdout } = await run(['--once', '--issuer', 'https://idp.example.com/tenant-a']);

    expect(code).toBe(0);
    expect(field(stdout, 'issuer')).toBe('https://idp.example.com/tenant-a');
    expect(field(stdout, 'metadata')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server\/tenant-a$/,
    );
    expect(decodeJwt(sampleToken(stdout)).iss).toBe('https://idp.example.com/tenant-a');
  });

  it('prints help with --help', async () => {
    const { code, stdout } = await run(['--help']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: tokenguard-dev-server \[options\]/);
    expect(stdout).toContain('--once');
  });

  it('exits 2 with the usage for an unknown option or a bad port', async () => {
    const unknown = await run(['--nope']);
    const port = await run(['--port', 'eighty', '--once']);

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be an integer from 0 to 65535');
  });

  it('stays up and serves the printed client until SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, [cli]);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('TOKENGUARD_ISSUER=')) resolve();
      });
      child.on('error', reject);
      child.on('close', () => reject(new Error(`exited early:\n${stdout}`)));
    });

    const response = await postForm(
      field(stdout, 'token_endpoint'),
      { grant_type: 'client_credentials' },
      { authorization: basicAuth('test-client', field(stdout, 'client_secret')) },
    );
    child.kill('SIGTERM');

    expect(response.status).toBe(200);
    expect(await exited).toBe(0);
  });
});
