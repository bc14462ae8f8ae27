import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// These run against dist/ (the test task builds first): what an npm user gets.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = promisify(execFile);

const EXPORTS = [
  'authErrorHandler',
  'optionalToken',
  'protectedResourceMetadata',
  'requireAnyScope',
  'requireClaims',
  'requireScopes',
  'requireToken',
  'warmUp',
];

describe('the published package', () => {
  it.each(['index.d.mts', 'index.d.cts'])('%s augments Express.Request with auth', (file) => {
    const text = readFileSync(join(root, 'dist', file), 'utf8');
    expect(text).toMatch(
      /declare global \{\s+namespace Express \{\s+interface Request \{[\s\S]*auth\?: AuthContext<AuthClaims>;/,
    );
    expect(text).toMatch(/interface AuthClaims extends AccessTokenClaims/);
  });

  it.each([
    ['ESM', 'tsconfig.esm.json'],
    ['CommonJS', 'tsconfig.cjs.json'],
  ])(
    'a %s consumer sees req.auth and its own claims typed, without casts',
    async (_kind, config) => {
      // The fixture holds @ts-expect-error lines too: if req.auth were `any`, they would fail.
      const result = await run(
        process.execPath,
        [tsc, '-p', join(root, 'test/fixtures/consumer', config)],
        { cwd: root },
      ).catch((error: { stdout: string; stderr: string }) => error);
      expect(`${result.stdout}${result.stderr}`).toBe('');
    },
  );

  it('loads from ESM and CommonJS with the same exports', async () => {
    const esm = await import(join(root, 'dist/index.mjs'));
    const cjs = require(join(root, 'dist/index.cjs'));
    expect(Object.keys(esm).sort()).toEqual(EXPORTS);
    expect(Object.keys(cjs).sort()).toEqual(EXPORTS);
  });
});
