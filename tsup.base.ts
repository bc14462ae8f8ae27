import type { Options } from 'tsup';

/**
 * The build every published package shares: ESM (`.mjs`) and CJS (`.cjs`)
 * with declarations for both (`.d.mts`, `.d.cts`), for Node 20.19+.
 */
export function packageConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    outExtension: ({ format }) =>
      format === 'esm' ? { js: '.mjs', dts: '.d.mts' } : { js: '.cjs', dts: '.d.cts' },
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
