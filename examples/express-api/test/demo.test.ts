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
  const dpop = ', DPoP realm="orders-api", algs="ES256 EdDSA"';
  const lines = [
    '   > POST http://127.0.0.1:',
    '   > grant_type=client_credentials&scope=orders%3Aread',
    `   < WWW-Authenticate: Bearer realm="orders-api"${dpop}\n   < (no body)`,
    '   < 403 Forbidden',
    'error="insufficient_scope", error_description="The access token lacks the required scope", scope="orders:write"',
    `   < WWW-Authenticate: Bearer realm="orders-api", error="invalid_token", error_description="The access token expired"${dpop}`,
    `   < WWW-Authenticate: Bearer realm="orders-api", error="invalid_token", error_description="The access token is invalid"${dpop}`,
    '   ✔ 403 insufficient_scope, as expected',
    'the API introspects it (RFC 7662)',
    '"token_type":"DPoP"',
    '   > Authorization: DPoP eyJ',
    'DPoP realm="orders-api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="ES256 EdDSA"',
    '   ✔ 401 invalid_dpop_proof, as expected',
    'All 13 steps answered as expected.',
  ];
  for (const line of lines) expect(stdout).toContain(line);
  expect(stdout).not.toContain('✘');
  // Tokens are shortened in the transcript, never printed whole.
  expect(stdout).not.toMatch(/eyJ[\w-]{30,}/);
  expect(stdout).not.toMatch(/Bearer (?!eyJ)[\w-]{20,}/);
});
