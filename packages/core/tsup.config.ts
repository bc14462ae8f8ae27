import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.js';

// Three entries: the main one, `@tokenguard/core/adapter` and `@tokenguard/core/diagnose`. Code
// splitting puts what they share in shared chunks, so that each class (AuthError, …) and each
// module's state exists once.
// The other entries name the main entry's types by the package's own name ('@tokenguard/core',
// types only), kept external so that its declarations import them rather than repeat them.
export default defineConfig(
  packageConfig({
    entry: ['src/index.ts', 'src/adapter.ts', 'src/diagnose.ts'],
    splitting: true,
    external: ['@tokenguard/core'],
  }),
);
