import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// These run against dist/ (the test task builds first): what an npm user gets.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const EXPORTS = [
  'optionalToken',
  'protectedResourceMetadata',
  'requireAnyScope',
  'requireClaims',
  'requireScopes',
  'tokenGuard',
];

describe('the published package', () => {
  it('loads from ESM and CommonJS with the same exports', async () => {
    const esm = await import(join(root, 'dist/index.mjs'));
    const cjs = require(join(root, 'dist/index.cjs'));
    expect(Object.keys(esm).sort()).toEqual(EXPORTS);
    expect(Object.keys(cjs).sort()).toEqual(EXPORTS);
  });
});
