import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Core reads as one module per decision: no source file grows past 300 lines, and the README's
// module map names every file, so that it stays the map of the code.
const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const files = (readdirSync(src, { recursive: true }) as string[])
  .filter((name) => name.endsWith('.ts'))
  .map((name) => relative(src, join(src, name)).split('\\').join('/'))
  .sort();

describe('core source structure', () => {
  it('has no source file over 300 lines', () => {
    const long = files
      .map((file) => ({
        file,
        lines: readFileSync(join(src, file), 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > 300);
    expect(long).toEqual([]);
  });

  it('names every source file in the README module map, and no other', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const map = readme.slice(readme.indexOf('## Module map'), readme.indexOf('## Choices we made'));
    const named = new Set(
      map
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1])),
    );
    expect({ missing: files.filter((file) => !named.has(file)) }).toEqual({ missing: [] });
    expect({ stale: [...named].filter((file) => !files.includes(file as string)) }).toEqual({
      stale: [],
    });
  });
});
