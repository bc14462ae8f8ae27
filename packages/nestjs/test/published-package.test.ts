import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// These run against dist/ (the test task builds first), in child processes: what an npm user gets,
// without vitest's module loader in between.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = promisify(execFile);

const EXPORTS = [
  'AnyScopes',
  'Auth',
  'AuthError',
  'Claims',
  'OptionalAuth',
  'Public',
  'Scopes',
  'TOKEN_GUARD',
  'TokenGuard',
  'TokenGuardModule',
  'isAuthError',
];

const node = (args: string[]) => run(process.execPath, args, { cwd: root });

describe('the published package', () => {
  it('loads from ESM with its exports', async () => {
    const { stdout } = await node([
      '--input-type=module',
      '-e',
      "const m = await import('@tokenguard/nestjs'); console.log(JSON.stringify(Object.keys(m).sort()))",
    ]);
    expect(JSON.parse(stdout)).toEqual(EXPORTS);
  });

  it('loads from CommonJS with the same exports (require() of the ESM-only NestJS)', async () => {
    const { stdout } = await node([
      '-e',
      "console.log(JSON.stringify(Object.keys(require('@tokenguard/nestjs')).sort()))",
    ]);
    expect(JSON.parse(stdout)).toEqual(EXPORTS);
  });

  it('runs a CommonJS application on the CommonJS build', async () => {
    const { stdout } = await node([join(root, 'test/fixtures/cjs-app.cjs')]);
    expect(JSON.parse(stdout)).toEqual([
      [200, '{"status":"ok"}'],
      [401, ''],
      [200, '{"subject":"user-123"}'],
    ]);
  });

  it.each([
    ['ESM', 'tsconfig.esm.json'],
    ['CommonJS', 'tsconfig.cjs.json'],
  ])('type-checks a %s consumer against the published declarations', async (_kind, config) => {
    // The fixture has @ts-expect-error lines: if the types were `any`, they would fail.
    const result = await run(
      process.execPath,
      [tsc, '-p', join(root, 'test/fixtures/consumer', config)],
      { cwd: root },
    ).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${result.stdout}${result.stderr}`).toBe('');
  });
});
