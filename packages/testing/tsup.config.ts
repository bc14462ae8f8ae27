import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.js';

// Two builds: the library (ESM + CJS + declarations) and the `tokenguard-dev-server` CLI, one
// ESM file with the library bundled in. The library build cleans dist/ but spares the CLI's
// files, because tsup runs both builds at the same time.
export default defineConfig([
  packageConfig({ clean: ['!cli.mjs', '!cli.mjs.map'] }),
  packageConfig({
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
  }),
]);
