import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.js';

// Two builds: the library (`runDoctor()`, ESM + CJS + declarations) and the `tokenguard` command,
// one ESM file. The library build cleans dist/ but spares the command's files, because tsup runs
// both builds at the same time. Core stays a dependency (not bundled): the doctor explains the
// decisions of the very core the application runs.
export default defineConfig([
  packageConfig({ clean: ['!cli.mjs', '!cli.mjs.map'] }),
  packageConfig({
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
  }),
]);
