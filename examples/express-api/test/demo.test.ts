import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('the demo runs every step as expected and exits 0', { timeout: 60_000 }, async () => {
  const { code, stdout, stderr } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/demo.ts'],
      { cwd: root, timeout: 50_000 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
  expect(stderr).not.toMatch(/error/i);
  expect(code).toBe(0);
  const lines = [
    '   > POST http://127.0.0.1:',
    '   > grant_type=client_credentials&scope=orders%3Aread',
    '   < WWW-Authenticate: Bearer realm="orders-api"\n   < (no body)',
    '   < 403 Forbidden',
    'error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:write"',
    '   < WWW-Authenticate: Bearer realm="orders-api", error="invalid_token", error_description="The access token expired"',
    '   < WWW-Authenticate: Bearer realm="orders-api", error="invalid_token", error_description="The access token is invalid"',
    '   ✔ 403 insufficient_scope, as expected',
    'All 7 steps answered as expected.',
  ];
  for (const line of lines) expect(stdout).toContain(line);
  expect(stdout).not.toContain('✘');
  // Tokens are shortened in the transcript, never printed whole.
  expect(stdout).not.toMatch(/eyJ[\w-]{30,}/);
});
