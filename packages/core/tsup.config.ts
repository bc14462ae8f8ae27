import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.base.js';

// Two entries: the main one and `@tokenguard/core/adapter`. Code splitting puts what both use
// in one shared chunk, so that each class (AuthError, …) and each module's state exists once.
// The adapter entry names the main entry's types by the package's own name ('@tokenguard/core',
// types only), kept external so that its declarations import them rather than repeat them.
export default defineConfig(
  packageConfig({
    entry: ['src/index.ts', 'src/adapter.ts'],
    splitting: true,
    external: ['@tokenguard/core'],
  }),
);
