import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as exported from '../src/index.js';

// The README is documentation users copy from: every snippet it marks as a file (`// name.mjs`)
// runs here as it stands, against the built package (what `npm install` gives), and every export
// is named in it.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const built = existsSync(new URL('../dist/index.mjs', import.meta.url));

const snippets = [...readme.matchAll(/```js\n(\/\/ (\S+\.mjs)[^\n]*\n[\s\S]*?)```/g)].map(
  (match) => [match[2] as string, match[1] as string] as const,
);

function run(code: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    // From the package's directory, `@tokenguard/testing` resolves to the package itself.
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', code],
      { cwd: packageDir, timeout: 60_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
    );
  });
}

describe('README', () => {
  it('has the snippets this test expects', () => {
    expect(snippets.map(([name]) => name)).toEqual([
      'quick-start.mjs',
      'provider.mjs',
      'sign-jwt.mjs',
      'dpop.mjs',
      'rsa.mjs',
      'mtls.mjs',
    ]);
  });

  describe.skipIf(!built)('snippets run as written', () => {
    if (!built) console.warn('[readme] dist/ is missing: build first; the snippets import it');
    it.each(snippets)('%s', async (_name, code) => {
      expect(await run(code)).toEqual({ code: 0, stderr: '' });
    });
  });

  it('names every value the package exports', () => {
    const exports = readme.slice(readme.indexOf('## Exports'), readme.indexOf('## Choices'));
    const missing = Object.keys(exported).filter((name) => !exports.includes(`\`${name}`));
    expect(missing).toEqual([]);
  });

  it('names every type the package exports', () => {
    const index = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    const types = [...index.matchAll(/export type \{([^}]*)\}/g)].flatMap((match) =>
      (match[1] as string)
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    );
    expect(types.length).toBeGreaterThan(20);
    const exports = readme.slice(readme.indexOf('## Exports'), readme.indexOf('## Choices'));
    expect(types.filter((name) => !exports.includes(`\`${name}\``))).toEqual([]);
  });
});
