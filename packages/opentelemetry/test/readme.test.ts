import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as exported from '../src/index.js';

// The README is what users copy from: its quick start runs here as it stands, against the built
// package (what `npm install` gives), and it names every export, metric and attribute.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const built = existsSync(new URL('../dist/index.mjs', import.meta.url));

const snippets = [...readme.matchAll(/```js\n(\/\/ (\S+\.mjs)[^\n]*\n[\s\S]*?)```/g)].map(
  (match) => [match[2] as string, match[1] as string] as const,
);

function run(code: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    // From the package's directory, `@tokenguard/opentelemetry` resolves to the package itself.
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', code],
      { cwd: packageDir, timeout: 60_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
    );
  });
}

/** The quoted `tokenguard.…` names in a source file. */
function namesIn(file: string): string[] {
  const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
  return [...source.matchAll(/'(tokenguard\.[a-z_.]+|error\.type)'/g)].map((m) => m[1] as string);
}

describe('README', () => {
  it('has the snippets this test expects', () => {
    expect(snippets.map(([name]) => name)).toEqual(['quick-start.mjs']);
  });

  describe.skipIf(!built)('snippets run as written', () => {
    if (!built) console.warn('[readme] dist/ is missing: build first; the snippets import it');
    it.each(snippets)('%s', async (_name, code) => {
      expect(await run(code)).toEqual({ code: 0, stderr: '' });
    });
  });

  it('names every export', () => {
    const exports = readme.slice(readme.indexOf('## Exports'), readme.indexOf('## Choices'));
    for (const name of [...Object.keys(exported), 'TokenGuardInstrumentationConfig']) {
      expect(exports).toContain(`\`${name}\``);
    }
  });

  it('names every metric, span event and attribute', () => {
    const recorded = readme.slice(readme.indexOf('## What is recorded'), readme.indexOf('## Cost'));
    const names = [
      ...namesIn('instruments.ts'),
      ...namesIn('attributes.ts'),
      ...namesIn('recorder.ts'),
    ];
    expect(names.length).toBeGreaterThan(18);
    expect(names.filter((name) => !recorded.includes(`\`${name}\``))).toEqual([]);
  });
});

describe.skipIf(!built)('the build', () => {
  it('imports nothing but the OpenTelemetry API, core and diagnostics_channel', () => {
    for (const file of ['index.mjs', 'index.cjs']) {
      const code = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8');
      const imports = [...code.matchAll(/(?:from |require\()['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(new Set(imports)).toEqual(
        new Set(['diagnostics_channel', '@opentelemetry/api', '@tokenguard/core']),
      );
    }
  });
});
