import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// Core's tests use @tokenguard/testing from source, so that both can change together without
// rebuilding testing's dist (which the adapters' test runs read) in between.
export default mergeConfig(packageTestConfig('core'), {
  resolve: {
    alias: {
      '@tokenguard/testing': fileURLToPath(new URL('../testing/src/index.ts', import.meta.url)),
    },
  },
});
