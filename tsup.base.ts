import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Options } from 'tsup';

/**
 * The build every published package shares: ESM (`.mjs`) and CJS (`.cjs`)
 * with declarations for both (`.d.mts`, `.d.cts`), for Node 20.19+.
 *
 * Declarations are built after the JavaScript, by {@link buildDeclarations}, one entry at a
 * time: each entry's `.d.mts` / `.d.cts` then holds every declaration it needs, as with a single
 * entry, instead of a shared declaration chunk. `dts: false` turns them off.
 */
export function packageConfig(overrides: Options = {}): Options {
  const { dts = true, ...rest } = overrides;
  const options: Options = {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    outExtension: ({ format }) =>
      format === 'esm' ? { js: '.mjs', dts: '.d.mts' } : { js: '.cjs', dts: '.d.cts' },
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...rest,
    // tsup's own declaration build runs beside the JavaScript build, so nothing could finish
    // its output: it is done in onSuccess instead.
    dts: false,
  };
  if (dts !== false) options.onSuccess = () => buildDeclarations(options);
  return options;
}

function entryFiles(entry: Options['entry']): string[] {
  if (entry === undefined) return [];
  return Array.isArray(entry) ? entry : Object.values(entry);
}

/**
 * Builds each entry's declarations with tsup (rollup-plugin-dts), then finishes them: tsup builds
 * declarations in a worker that cannot receive our `outExtension` function, so in a
 * `"type": "module"` package the ESM declarations come out as `.d.ts`. Node's ESM resolution of
 * `.mjs` expects `.d.mts` beside it, so they are renamed, with their relative imports. The CJS
 * side is already `.d.cts`.
 */
async function buildDeclarations(options: Options): Promise<void> {
  const outDir = options.outDir ?? 'dist';
  for (const entry of entryFiles(options.entry)) {
    await build({
      entry: [entry],
      format: options.format,
      outDir,
      target: options.target,
      platform: options.platform,
      tsconfig: options.tsconfig,
      external: options.external,
      dts: { only: true },
      clean: false,
      config: false,
      silent: true,
    });
  }
  let renamed = 0;
  for (const name of await readdir(outDir, { recursive: true })) {
    const file = join(outDir, name);
    if (name.endsWith('.d.cts')) {
      await rewriteImports(file, '.cjs');
    } else if (name.endsWith('.d.ts')) {
      await rewriteImports(file, '.mjs');
      await rename(file, file.replace(/\.d\.ts$/, '.d.mts'));
      renamed++;
    }
  }
  if (renamed === 0) throw new Error(`no declarations were built in ${outDir}`);
}

/** Points a declaration file's relative `.js` imports at the files of its own format. */
async function rewriteImports(file: string, extension: '.mjs' | '.cjs'): Promise<void> {
  const text = await readFile(file, 'utf8');
  const rewritten = text.replace(/(from\s+['"]\.{1,2}\/[^'"]+?)\.js(['"])/g, `$1${extension}$2`);
  if (rewritten !== text) await writeFile(file, rewritten);
}
